# vgg8 trained alone on CIFAR-100 (a student in the standard distillation pairs).
# Published: 70.36 top-1 (RepDistiller, last epoch of the 240-epoch recipe).
#   python tools/train.py configs/baselines/vgg8_cifar100.py
_base_ = [
    '../_base_/datasets/cifar100_bs64.py', '../_base_/schedules/cifar_240e.py',
    '../_base_/default_runtime.py', '../_base_/recipes/repdistiller_teacher.py'
]

model = dict(type='vgg8', num_classes=100)
