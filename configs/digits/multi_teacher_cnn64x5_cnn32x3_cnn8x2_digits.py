# Two teachers (cnn64x5 and cnn32x3) teach the cnn8x2 student on the 8x8
# digits: 0.1 * CE + 0.9 * KD (tau 4) against the mean of the two teachers'
# softened outputs (EnsembleKDLoss), the demo's KD recipe with an ensemble.
#   python tools/train.py configs/digits/cnn64x5_digits.py
#   python tools/train.py configs/digits/cnn32x3_digits.py
#   python tools/train.py \
#       configs/digits/multi_teacher_cnn64x5_cnn32x3_cnn8x2_digits.py
# Per-teacher losses instead of the ensemble: loss=[dict(type='KDLoss',
# tau=4), dict(type='KDLoss', tau=4)], weights=[0.45, 0.45].
_base_ = [
    '../_base_/datasets/digits_bs64.py', '../_base_/schedules/digits_30e.py',
    '../_base_/default_runtime.py'
]

model = dict(
    type='MultiTeacherDistill',
    architecture=dict(
        type='SimpleCNN',
        in_channels=1,
        channels=8,
        num_convs=2,
        num_classes=10),
    teachers=dict(
        cnn64x5=dict(
            model=dict(
                type='SimpleCNN',
                in_channels=1,
                channels=64,
                num_convs=5,
                num_classes=10),
            ckpt='work_dirs/cnn64x5_digits/epoch_30.pth'),
        cnn32x3=dict(
            model=dict(
                type='SimpleCNN',
                in_channels=1,
                channels=32,
                num_convs=3,
                num_classes=10),
            ckpt='work_dirs/cnn32x3_digits/epoch_30.pth')),
    student_loss_weight=0.1,
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['linear', 'linear'],
        teacher_distill_layer=['cnn64x5/linear', 'cnn32x3/linear'],
        loss=[dict(type='EnsembleKDLoss', tau=4)],
        weights=[0.9]))

default_hooks = dict(logger=dict(interval=10))
