# Vanilla KD, resnet56 -> resnet20 on CIFAR-100: the short name of
# configs/kd/kd/kd_resnet56_resnet20_1xb64-240e_cifar100.py, RepDistiller's
# recipe (0.1 * CE + 0.9 * KD(tau 4); 64 images per step at lr 0.05 for 240
# epochs, on any number of processes: the training tool divides the 64
# images over them). Published top-1 (RepDistiller README, last epoch):
# teacher 72.34, student alone 69.06, KD 70.66.
# The seed toolkit's own recipe (0.8 * CE + 0.2 * KD, pretrained student,
# batch 256, lr 0.01, 200 epochs):
# configs/kd/kd/kd_resnet56_resnet20_seed-recipe_1xb256-200e_cifar100.py.
#   bash tools/dist_train.sh configs/kd/vanilla_kd_r20.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet56_cifar100/epoch_240.pth
_base_ = './kd/kd_resnet56_resnet20_1xb64-240e_cifar100.py'
