# IRG, resnet56 -> resnet20 on CIFAR-100: the short name of
# configs/kd/irg/irg_resnet56_resnet20_1xb64-240e_cifar100.py: the seed
# toolkit's IRG loss (vert 0.1, edge 5, tran 5 on [layer2, layer3, linear])
# with RepDistiller's schedule (64 images per step at lr 0.05, 240 epochs).
# No published CIFAR-100 number for it (teacher 72.34, student alone 69.06
# in RepDistiller's README). The seed toolkit's own recipe (0.8 * CE,
# pretrained student, batch 256, lr 0.01, 200 epochs):
# configs/kd/irg/irg_resnet56_resnet20_seed-recipe_1xb256-200e_cifar100.py.
#   bash tools/dist_train.sh configs/kd/irg_r20.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet56_cifar100/epoch_240.pth
_base_ = './irg/irg_resnet56_resnet20_1xb64-240e_cifar100.py'
