# vgg13 (teacher) -> vgg8 (student) on CIFAR-100 with RepDistiller's
# recipe (./repdistiller_recipe.py); a method config (configs/kd/<method>/)
# adds model.distiller from the pair's layers below (README.md here).
# Train the teacher with configs/baselines/vgg13_cifar100.py, or pass
# another checkpoint with --cfg-options model.teacher_ckpt=PATH.
_base_ = [
    '../datasets/cifar100_bs64.py', '../schedules/cifar_240e.py',
    '../default_runtime.py', './repdistiller_recipe.py'
]

model = dict(
    type='SingleTeacherDistill',
    architecture=dict(type='vgg8', num_classes=100),
    teacher=dict(type='vgg13', num_classes=100),
    teacher_ckpt='work_dirs/vgg13_cifar100/epoch_240.pth')

# the teacher's top-1 before training; the recipe the run trains
custom_hooks = [dict(type='EvaluateTeacherHook'), dict(type='RecipeHook')]

# the pair's layers (README.md here), each a layer pair of the compact
# form's layer_pairs: dict(student=LAYER, teacher=LAYER, channels=N)
stage_channels = [128, 256, 512, 512]
stem = dict(student='layer1', teacher='layer1', channels=64)
stages = [
    dict(student=f'layer{i}', teacher=f'layer{i}', channels=c)
    for i, c in enumerate(stage_channels, 2)
]
embedding = dict(student='avgpool', teacher='avgpool', channels=512)
preact = [
    dict(student=f'layer{i}.1', teacher=f'layer{i}.4', channels=c)
    for i, c in enumerate(stage_channels, 2)
]
teacher_preact_bn = ['layer2.4', 'layer3.4', 'layer4.4', 'layer5.4']
init_exclude = ['architecture.linear']
