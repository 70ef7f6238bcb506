# Vanilla KD (Hinton et al. 2015), wrn_40_2 -> wrn_16_2 on CIFAR-100.
# Loss: 0.1 * CE + 0.9 * KD(tau=4), the standard recipe (240 epochs, SGD 0.05).
# Published top-1 (RepDistiller README, last epoch): teacher 75.61, student
# alone 73.26, KD 74.92.
#   python tools/train.py configs/baselines/wrn_40_2_cifar100.py   # teacher
#   bash tools/dist_train.sh configs/kd/kd_wrn_40_2_wrn_16_2.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/wrn_40_2_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_wrn_40_2_wrn_16_2.py'

model = dict(
    student_loss_weight=0.1,
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['linear'],
        teacher_distill_layer=['linear'],
        loss=[dict(type='KDLoss', tau=4)],
        weights=[0.9]))
