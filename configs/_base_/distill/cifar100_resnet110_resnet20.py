# resnet110 (teacher) -> resnet20 (student) on CIFAR-100 with the standard
# 240-epoch recipe; a method config adds model.distiller. Train the teacher
# with configs/baselines/resnet110_cifar100.py, or pass another checkpoint with
# --cfg-options model.teacher_ckpt=PATH.
# Published top-1 alone (RepDistiller): teacher 74.31, student 69.06.
# Both networks: layer1/2/3: 16/32/64 channels at 32/16/8 px; embedding (linear input) 64.
_base_ = [
    '../datasets/cifar100_bs64.py', '../schedules/cifar_240e.py',
    '../default_runtime.py'
]

model = dict(
    type='SingleTeacherDistill',
    architecture=dict(type='resnet20', num_classes=100),
    teacher=dict(type='resnet110', num_classes=100),
    teacher_ckpt='work_dirs/resnet110_cifar100/epoch_240.pth')

# logs teacher/accuracy/top1 before training
custom_hooks = [dict(type='EvaluateTeacherHook')]
