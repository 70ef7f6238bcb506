# Two teachers, resnet56 and resnet110, teach resnet20 on CIFAR-100 through
# the mean of their softened outputs (EnsembleKDLoss, tau 4):
# 0.1 * CE + 0.9 * KD, RepDistiller's single-teacher KD recipe (SGD momentum
# 0.9, lr 0.05 for a total batch of 1 x 64, x0.1 at epochs 150/180/210, 240
# epochs, wd 5e-4) with the ensemble as teacher. No published number: the
# recipe card (metafile.yml) cites the single-teacher one.
#   python tools/train.py configs/baselines/resnet56_cifar100.py
#   python tools/train.py configs/baselines/resnet110_cifar100.py
#   python tools/train.py \
#       configs/multi_teacher/ensemble_kd_r56-r110_r20_1xb64-240e_cifar100.py
_base_ = [
    '../_base_/datasets/cifar100_bs64.py', '../_base_/schedules/cifar_240e.py',
    '../_base_/default_runtime.py'
]

model = dict(
    type='MultiTeacherDistill',
    architecture=dict(type='resnet20', num_classes=100),
    teachers=dict(
        resnet56=dict(
            model=dict(type='resnet56', num_classes=100),
            ckpt='work_dirs/resnet56_cifar100/epoch_240.pth'),
        resnet110=dict(
            model=dict(type='resnet110', num_classes=100),
            ckpt='work_dirs/resnet110_cifar100/epoch_240.pth')),
    student_loss_weight=0.1,
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['linear', 'linear'],
        teacher_distill_layer=['resnet56/linear', 'resnet110/linear'],
        loss=[dict(type='EnsembleKDLoss', tau=4)],
        weights=[0.9]))

# RecipeHook logs the effective recipe and stops a run that differs from
# the declared one below (--cfg-options recipe.mismatch=warn to train it)
custom_hooks = [dict(type='RecipeHook')]

# the setting this config declares (see metafile.yml)
recipe = dict(
    total_batch_size=64,
    lr=0.05,
    max_epochs=240,
    source='RepDistiller KD recipe (train_student.py: one GPU, batch 64, '
    'lr 0.05, 240 epochs), two teachers')
