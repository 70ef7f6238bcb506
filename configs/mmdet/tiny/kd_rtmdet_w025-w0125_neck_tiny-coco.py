# MMYOLO's RTMDet distillation recipe (configs/mmdet/rtmdet/) on tiny
# RTMDets: widen 0.25 (teacher) -> widen 0.125 (student) on the generated
# tiny COCO-format data. On the three neck output convs
# (neck.out_convs.i.conv, before their BN and SiLU) the teacher's map is
# standardised per channel with the batch's statistics (NormConnector), the
# student's after a learned 1x1 conv to the teacher's channels
# (ConvNormConnector); ChannelWiseDivergence (tau 1, weight 1) per level,
# logged as distill.loss_fpn0..2. The teacher runs its backbone and neck
# only. Distillation stops where the student's pipeline switches (epoch 3
# of 3; 281 of 300 in the full recipe): the last epoch trains the student
# alone. Dataset, schedule, EMA and pipeline switch come from the student's
# plain mmdet config.
#   python tools/dataset_converters/make_tiny_coco.py data/tiny_coco
#   python tools/train.py configs/mmdet/tiny/rtmdet_w025_tiny-coco.py
#   python tools/train.py configs/mmdet/tiny/kd_rtmdet_w025-w0125_neck_tiny-coco.py
_base_ = ['./rtmdet_w0125_tiny-coco.py', '../rtmdet/rtmdet_neck_cwd.py']

teacher_ckpt = 'work_dirs/rtmdet_w025_tiny-coco/epoch_3.pth'
student_channels = 32  # the student's neck out_channels
teacher_channels = 64  # the teacher's
# the first epoch (0-based) without distillation: the student's switch
stop_epoch = _base_.max_epochs - _base_.stage2_num_epochs

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(cfg_path='mmkd::mmdet/tiny/rtmdet_w0125_tiny-coco.py'),
    teacher=dict(cfg_path='mmkd::mmdet/tiny/rtmdet_w025_tiny-coco.py'),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        _base_.neck_cwd,
        connectors={
            **{
                f'{level}_s':
                dict(
                    type='ConvNormConnector',
                    in_channels=student_channels,
                    out_channels=teacher_channels)
                for level in _base_.levels
            },
            **{
                f'{level}_t':
                dict(type='NormConnector', in_channels=teacher_channels)
                for level in _base_.levels
            }
        }))

# the student's EMA and pipeline switch, then the stop and the teacher's
# evaluation (no recipe check: a tiny run); the run's default scope is
# mmdet's, so mmkd's types carry their scope
custom_hooks = _base_.custom_hooks + [
    dict(type='mmkd.StopDistillHook', stop_epoch=stop_epoch),
    dict(type='mmkd.EvaluateTeacherHook')
]
