# SP (Tung & Mori, "Similarity-Preserving Knowledge Distillation", ICCV 2019),
# wrn_40_2 -> wrn_16_2 on CIFAR-100; last feature map layer3 (128 channels),
# RepDistiller's feat[-2]; RepDistiller feat = [conv1, block1, block2, block3
# (before bn1+relu)] = mmkd conv1, layer1, layer2, layer3. Loss: CE + 3000 *
# ||G_s - G_t||_F^2 / b^2.
# Published top-1 (RepDistiller README, last epoch): teacher 75.61, student
# alone 73.26, SP 73.83.
#   bash tools/dist_train.sh configs/kd/sp_wrn_40_2_wrn_16_2.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/wrn_40_2_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_wrn_40_2_wrn_16_2.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['layer3'],
        teacher_distill_layer=['layer3'],
        loss=[dict(type='SPLoss')],
        weights=[3000.0]))
