# IRG, resnet56 -> resnet20 on CIFAR-100: the short name of
# configs/kd/irg/irg_resnet56_resnet20_1xb64-240e_cifar100.py.
_base_ = './irg/irg_resnet56_resnet20_1xb64-240e_cifar100.py'
