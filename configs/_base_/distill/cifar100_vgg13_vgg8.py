# vgg13 (teacher) -> vgg8 (student) on CIFAR-100 with the standard
# 240-epoch recipe; a method config adds model.distiller. Train the teacher
# with configs/baselines/vgg13_cifar100.py, or pass another checkpoint with
# --cfg-options model.teacher_ckpt=PATH.
# Published top-1 alone (RepDistiller): teacher 74.64, student 70.36.
# Both networks: layer1..5: 64/128/256/512/512 channels at 32/16/8/4/2 px (pool1..4 between them); embedding (linear input) 512.
_base_ = [
    '../datasets/cifar100_bs64.py', '../schedules/cifar_240e.py',
    '../default_runtime.py'
]

model = dict(
    type='SingleTeacherDistill',
    architecture=dict(type='vgg8', num_classes=100),
    teacher=dict(type='vgg13', num_classes=100),
    teacher_ckpt='work_dirs/vgg13_cifar100/epoch_240.pth')

# logs teacher/accuracy/top1 before training
custom_hooks = [dict(type='EvaluateTeacherHook')]
