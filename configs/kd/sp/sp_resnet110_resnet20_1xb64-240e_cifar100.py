# SP (Tung & Mori, "Similarity-Preserving Knowledge Distillation", ICCV 2019),
# resnet110 -> resnet20 on CIFAR-100; last feature map layer3 (64 channels),
# RepDistiller's feat[-2]; RepDistiller feat = [stem relu, layer1, layer2,
# layer3] = mmkd relu, layer1, layer2, layer3. Loss: CE + 3000 * ||G_s -
# G_t||_F^2 / b^2.
# Published top-1 (RepDistiller README, last epoch): teacher 74.31, student
# alone 69.06, SP 70.04.
#   bash tools/dist_train.sh configs/kd/sp_resnet110_resnet20.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet110_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_resnet110_resnet20.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['layer3'],
        teacher_distill_layer=['layer3'],
        loss=[dict(type='SPLoss')],
        weights=[3000.0]))
