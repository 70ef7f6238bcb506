# Channel-wise distillation (CWD, Shu et al., ICCV 2021) on the FPN outputs:
# RetinaNet R34 (teacher) -> R18 (student) on the generated tiny COCO-format
# data. The teacher runs only its backbone and neck; the student trains as
# usual plus distill.loss_channelwisedivergence, summed over the five FPN
# levels. Dataset, schedule and runtime come from the student's plain mmdet
# config.
#   python tools/dataset_converters/make_tiny_coco.py data/tiny_coco
#   python tools/train.py configs/mmdet/tiny/retinanet_r34_fpn_tiny-coco.py
#   python tools/train.py configs/mmdet/tiny/cwd_fpn_retinanet_r34-r18_tiny-coco.py
_base_ = ['./retinanet_r18_fpn_tiny-coco.py']

teacher_ckpt = 'work_dirs/retinanet_r34_fpn_tiny-coco/epoch_12.pth'

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(
        cfg_path='mmkd::mmdet/tiny/retinanet_r18_fpn_tiny-coco.py'),
    teacher=dict(cfg_path='mmkd::mmdet/tiny/retinanet_r34_fpn_tiny-coco.py'),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['neck'],
        teacher_distill_layer=['neck'],
        # tau=1 as in the paper for FPN features; its loss_weight=10 makes
        # distill.loss_channelwisedivergence about 20 here (64-channel FPNs,
        # 128 px), ten times the detection losses, so 2 keeps it about twice
        # them
        loss=[dict(type='cwd', tau=1.0, loss_weight=2.0)]))

# the run's default scope is mmdet's (from the base), so mmkd's types carry
# their scope
custom_hooks = [dict(type='mmkd.EvaluateTeacherHook')]
