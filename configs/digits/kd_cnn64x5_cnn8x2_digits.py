# The main demo's distillation: the cnn64x5 teacher teaches the cnn8x2 student
# on the 8x8 digits with vanilla KD (tau=4): 0.1 * CE + 0.9 * KD.
#   python tools/train.py configs/digits/cnn64x5_digits.py
#   python tools/train.py configs/digits/kd_cnn64x5_cnn8x2_digits.py \
#       --cfg-options model.teacher_ckpt=work_dirs/cnn64x5_digits/epoch_30.pth
_base_ = [
    '../_base_/datasets/digits_bs64.py', '../_base_/schedules/digits_30e.py',
    '../_base_/default_runtime.py'
]

teacher_ckpt = 'work_dirs/cnn64x5_digits/epoch_30.pth'

model = dict(
    type='SingleTeacherDistill',
    architecture=dict(
        type='SimpleCNN',
        in_channels=1,
        channels=8,
        num_convs=2,
        num_classes=10),
    teacher=dict(
        type='SimpleCNN',
        in_channels=1,
        channels=64,
        num_convs=5,
        num_classes=10),
    teacher_ckpt=teacher_ckpt,
    student_loss_weight=0.1,
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['linear'],
        teacher_distill_layer=['linear'],
        loss=[dict(type='KDLoss', tau=4)],
        weights=[0.9]))

custom_hooks = [dict(type='EvaluateTeacherHook')]
default_hooks = dict(logger=dict(interval=10))
