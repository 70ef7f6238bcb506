# resnet32x4 trained alone on CIFAR-100 (a teacher in the standard distillation pairs).
# Published: 79.42 top-1 (RepDistiller, last epoch of the 240-epoch recipe).
#   python tools/train.py configs/baselines/resnet32x4_cifar100.py
_base_ = [
    '../_base_/datasets/cifar100_bs64.py', '../_base_/schedules/cifar_240e.py',
    '../_base_/default_runtime.py', '../_base_/recipes/repdistiller_teacher.py'
]

model = dict(type='resnet32x4', num_classes=100)
