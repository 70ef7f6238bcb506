# resnet32x4 (teacher) -> resnet8x4 (student) on CIFAR-100 with RepDistiller's
# recipe (./repdistiller_recipe.py); a method config (configs/kd/<method>/)
# adds model.distiller from the pair's layers below (README.md here).
# Train the teacher with configs/baselines/resnet32x4_cifar100.py, or pass
# another checkpoint with --cfg-options model.teacher_ckpt=PATH.
_base_ = [
    '../datasets/cifar100_bs64.py', '../schedules/cifar_240e.py',
    '../default_runtime.py', './repdistiller_recipe.py'
]

model = dict(
    type='SingleTeacherDistill',
    architecture=dict(type='resnet8x4', num_classes=100),
    teacher=dict(type='resnet32x4', num_classes=100),
    teacher_ckpt='work_dirs/resnet32x4_cifar100/epoch_240.pth')

# the teacher's top-1 before training; the recipe the run trains
custom_hooks = [dict(type='EvaluateTeacherHook'), dict(type='RecipeHook')]

# the pair's layers (README.md here), each a layer pair of the compact
# form's layer_pairs: dict(student=LAYER, teacher=LAYER, channels=N)
stage_channels = [64, 128, 256]
stem = dict(student='relu', teacher='relu', channels=32)
stages = [
    dict(student=f'layer{i}', teacher=f'layer{i}', channels=c)
    for i, c in enumerate(stage_channels, 1)
]
embedding = dict(student='avgpool', teacher='avgpool', channels=256)
preact = [
    dict(
        student=dict(
            type='ModuleInputs',
            source=f'layer{i}.0.relu',
            record_idx=1,
            data_idx=0),
        teacher=dict(
            type='ModuleInputs',
            source=f'layer{i}.4.relu',
            record_idx=1,
            data_idx=0),
        channels=c) for i, c in enumerate(stage_channels, 1)
]
teacher_preact_bn = [f'layer{i}.4.bn2' for i in (1, 2, 3)]
init_exclude = ['architecture.linear']
