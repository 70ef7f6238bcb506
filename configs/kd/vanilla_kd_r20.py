# Vanilla KD, resnet56 -> resnet20 on CIFAR-100: the short name of
# configs/kd/kd/kd_resnet56_resnet20_1xb64-240e_cifar100.py, RepDistiller's
# recipe, on any number of processes (the training tool divides the
# recipe's batch over them). Its recipe and published top-1:
# configs/kd/kd/metafile.yml. The seed toolkit's own recipe:
# configs/kd/kd/kd_resnet56_resnet20_seed-recipe_1xb256-200e_cifar100.py.
#   bash tools/dist_train.sh configs/kd/vanilla_kd_r20.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet56_cifar100/epoch_240.pth
_base_ = './kd/kd_resnet56_resnet20_1xb64-240e_cifar100.py'
