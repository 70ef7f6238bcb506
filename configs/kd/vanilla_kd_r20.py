# Vanilla KD, resnet56 -> resnet20 on CIFAR-100: the short name of
# configs/kd/kd_resnet56_resnet20.py (0.1 * CE + 0.9 * KD(tau=4)).
# Published top-1 (RepDistiller README, last epoch): teacher 72.34, student
# alone 69.06, KD 70.66.
#   bash tools/dist_train.sh configs/kd/vanilla_kd_r20.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet56_cifar100/epoch_240.pth
_base_ = './kd/kd_resnet56_resnet20_1xb64-240e_cifar100.py'
