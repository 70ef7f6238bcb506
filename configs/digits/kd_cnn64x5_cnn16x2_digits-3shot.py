# Vanilla KD (Hinton et al., 2015) in the digits demo: the cnn64x5 teacher,
# trained on all 1,200 training digits, teaches the cnn16x2 student, which
# sees only 3 labelled images per digit (30 in all):
# 0.1 * CE + 0.9 * KD(tau 4) on the logits (layer linear).
# The other methods of the demo (dkd_, dist_, fitnet_, crd_
# *_cnn64x5_cnn16x2_digits-3shot.py) inherit this file and replace the
# distiller.
#   python tools/train.py configs/digits/cnn64x5_digits.py
#   python tools/train.py configs/digits/kd_cnn64x5_cnn16x2_digits-3shot.py \
#       --cfg-options model.teacher_ckpt=work_dirs/cnn64x5_digits/epoch_30.pth
_base_ = [
    '../_base_/datasets/digits_3shot_bs64.py',
    '../_base_/schedules/digits_30e.py', '../_base_/default_runtime.py'
]

teacher_ckpt = 'work_dirs/cnn64x5_digits/epoch_30.pth'

model = dict(
    type='SingleTeacherDistill',
    architecture=dict(
        type='SimpleCNN',
        in_channels=1,
        channels=16,
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
