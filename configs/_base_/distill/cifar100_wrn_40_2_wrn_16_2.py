# wrn_40_2 (teacher) -> wrn_16_2 (student) on CIFAR-100 with RepDistiller's
# recipe (./repdistiller_recipe.py); a method config (configs/kd/<method>/)
# adds model.distiller from the pair's layers below (README.md here).
# Train the teacher with configs/baselines/wrn_40_2_cifar100.py, or pass
# another checkpoint with --cfg-options model.teacher_ckpt=PATH.
_base_ = [
    '../datasets/cifar100_bs64.py', '../schedules/cifar_240e.py',
    '../default_runtime.py', './repdistiller_recipe.py'
]

model = dict(
    type='SingleTeacherDistill',
    architecture=dict(type='wrn_16_2', num_classes=100),
    teacher=dict(type='wrn_40_2', num_classes=100),
    teacher_ckpt='work_dirs/wrn_40_2_cifar100/epoch_240.pth')

# the teacher's top-1 before training; the recipe the run trains
custom_hooks = [dict(type='EvaluateTeacherHook'), dict(type='RecipeHook')]

# the pair's layers (README.md here), each a layer pair of the compact
# form's layer_pairs: dict(student=LAYER, teacher=LAYER, channels=N)
stage_channels = [32, 64, 128]
stem = dict(student='conv1', teacher='conv1', channels=16)
stages = [
    dict(student=f'layer{i}', teacher=f'layer{i}', channels=c)
    for i, c in enumerate(stage_channels, 1)
]
embedding = dict(student='avgpool', teacher='avgpool', channels=128)
preact = [
    dict(student=name, teacher=name, channels=c)
    for name, c in zip(['layer2.0.bn1', 'layer3.0.bn1', 'bn1'], stage_channels)
]
teacher_preact_bn = ['layer2.0.bn1', 'layer3.0.bn1', 'bn1']
init_exclude = ['architecture.bn1', 'architecture.linear']
