# wrn_40_2 (teacher) -> wrn_16_2 (student) on CIFAR-100 with the standard
# 240-epoch recipe; a method config adds model.distiller. Train the teacher
# with configs/baselines/wrn_40_2_cifar100.py, or pass another checkpoint with
# --cfg-options model.teacher_ckpt=PATH.
# Published top-1 alone (RepDistiller): teacher 75.61, student 73.26.
# Both networks: layer1/2/3: 32/64/128 channels at 32/16/8 px (layer3 before the final bn1+relu); embedding (linear input) 128.
_base_ = [
    '../datasets/cifar100_bs64.py', '../schedules/cifar_240e.py',
    '../default_runtime.py'
]

model = dict(
    type='SingleTeacherDistill',
    architecture=dict(type='wrn_16_2', num_classes=100),
    teacher=dict(type='wrn_40_2', num_classes=100),
    teacher_ckpt='work_dirs/wrn_40_2_cifar100/epoch_240.pth')

# logs teacher/accuracy/top1 before training
custom_hooks = [dict(type='EvaluateTeacherHook')]
