# Vanilla KD (Hinton et al. 2015), resnet110 -> resnet20 on CIFAR-100.
# Loss: 0.1 * CE + 0.9 * KD(tau=4), the standard recipe (240 epochs, SGD 0.05).
# Published top-1 (RepDistiller README, last epoch): teacher 74.31, student
# alone 69.06, KD 70.67.
#   python tools/train.py configs/baselines/resnet110_cifar100.py   # teacher
#   bash tools/dist_train.sh configs/kd/kd_resnet110_resnet20.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet110_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_resnet110_resnet20.py'

model = dict(
    student_loss_weight=0.1,
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['linear'],
        teacher_distill_layer=['linear'],
        loss=[dict(type='KDLoss', tau=4)],
        weights=[0.9]))
