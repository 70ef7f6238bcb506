# SP (Tung & Mori, "Similarity-Preserving Knowledge Distillation", ICCV 2019),
# vgg13 -> vgg8 on CIFAR-100; last feature map layer5 (512 channels),
# RepDistiller's feat[-2]; RepDistiller feat = [block0, block1, block2,
# block3, block4] = mmkd layer1 ... layer5 (4x4 px). Loss: CE + 3000 * ||G_s - G_t||_F^2 / b^2.
# Published top-1 (RepDistiller README, last epoch): teacher 74.64, student
# alone 70.36, SP 72.68.
#   bash tools/dist_train.sh configs/kd/sp_vgg13_vgg8.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/vgg13_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_vgg13_vgg8.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['layer5'],
        teacher_distill_layer=['layer5'],
        loss=[dict(type='SPLoss')],
        weights=[3000.0]))
