# VID (Ahn et al., CVPR 2019), resnet56 -> resnet20 on CIFAR-100: the short
# name of configs/kd/vid_resnet56_resnet20.py (CE + 1 * VID on layer1/2/3).
# Published top-1 (RepDistiller README, last epoch): teacher 72.34, student
# alone 69.06, VID 70.38.
#   bash tools/dist_train.sh configs/kd/vid_r20.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet56_cifar100/epoch_240.pth
_base_ = './vid/vid_resnet56_resnet20_1xb64-240e_cifar100.py'
