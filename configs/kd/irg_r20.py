# IRG, resnet56 -> resnet20 on CIFAR-100: the short name of
# configs/kd/irg/irg_resnet56_resnet20_1xb64-240e_cifar100.py: the seed
# toolkit's IRG loss with RepDistiller's schedule; no published CIFAR-100
# number. Its recipe: configs/kd/irg/metafile.yml. The seed toolkit's own
# recipe:
# configs/kd/irg/irg_resnet56_resnet20_seed-recipe_1xb256-200e_cifar100.py.
#   bash tools/dist_train.sh configs/kd/irg_r20.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet56_cifar100/epoch_240.pth
_base_ = './irg/irg_resnet56_resnet20_1xb64-240e_cifar100.py'
