# Deep mutual learning (Zhang et al., CVPR 2018) on the 8x8 digits: a cnn8x2
# and a cnn16x2 train together from scratch, each with its cross-entropy and
# KL(peer || itself) at T=1 to the other's detached prediction. Validation
# logs both students (student0/..., student1/...); export both with
#   python tools/model_converters/export_students.py CKPT OUT_DIR
#   python tools/train.py configs/digits/dml_cnn8x2_cnn16x2_digits.py
_base_ = [
    '../_base_/datasets/digits_bs64.py', '../_base_/schedules/digits_30e.py',
    '../_base_/default_runtime.py'
]

model = dict(
    type='MutualLearning',
    students=[
        dict(
            type='SimpleCNN',
            in_channels=1,
            channels=8,
            num_convs=2,
            num_classes=10),
        dict(
            type='SimpleCNN',
            in_channels=1,
            channels=16,
            num_convs=2,
            num_classes=10),
    ],
    kl_loss=dict(type='KDLoss', tau=1.0))

custom_hooks = [dict(type='EvaluateEachStudentHook')]
default_hooks = dict(logger=dict(interval=10))
