# PKD on the FPN outputs: Mask R-CNN R34 (teacher) -> R18 (student) on the
# generated tiny COCO-format data (the detection demo and tests). The
# teacher runs only its backbone and neck; the student trains as usual plus
# distill.loss_pkd. Dataset, schedule and runtime come from the student's
# plain mmdet config.
#   python tools/dataset_converters/make_tiny_coco.py data/tiny_coco
#   python tools/train.py configs/mmdet/tiny/mask-rcnn_r34_fpn_tiny-coco.py
#   python tools/train.py configs/mmdet/tiny/pkd_fpn_mask-rcnn_r34-r18_tiny-coco.py
_base_ = ['./mask-rcnn_r18_fpn_tiny-coco.py']

teacher_ckpt = 'work_dirs/mask-rcnn_r34_fpn_tiny-coco/epoch_12.pth'

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(
        cfg_path='mmkd::mmdet/tiny/mask-rcnn_r18_fpn_tiny-coco.py'),
    teacher=dict(cfg_path='mmkd::mmdet/tiny/mask-rcnn_r34_fpn_tiny-coco.py'),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['neck'],
        teacher_distill_layer=['neck'],
        loss=[dict(type='PKDLoss', loss_weight=6.0)]))

# the run's default scope is mmdet's (from the base), so mmkd's types carry
# their scope
custom_hooks = [dict(type='mmkd.EvaluateTeacherHook')]
