# VID, resnet56 -> resnet20 on CIFAR-100: the short name of
# configs/kd/vid/vid_resnet56_resnet20_1xb64-240e_cifar100.py, RepDistiller's
# recipe (CE + VID on layer1/2/3; 64 images per step at lr 0.05 for 240
# epochs, on any number of processes: the training tool divides the 64
# images over them, with SyncBN). Published top-1 (RepDistiller README,
# last epoch): teacher 72.34, student alone 69.06, VID 70.38.
# The seed toolkit's own recipe (0.8 * CE, pretrained student, batch 256,
# lr 0.01, 200 epochs):
# configs/kd/vid/vid_resnet56_resnet20_seed-recipe_1xb256-200e_cifar100.py.
#   bash tools/dist_train.sh configs/kd/vid_r20.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet56_cifar100/epoch_240.pth
_base_ = './vid/vid_resnet56_resnet20_1xb64-240e_cifar100.py'
