# YOLO output distillation (Mehta and Ozturk, 2018) on YOLOX head outputs:
# YOLOX widen 0.25 (teacher) -> widen 0.125 (student) on the generated tiny
# COCO-format data. Both sides record what bbox_head.forward returns,
# (cls_scores, bbox_preds, objectnesses) per level; the teacher runs in
# 'tensor' mode, i.e. up to its head's forward, with no target assignment
# and no box decoding.
# The student trains as usual plus distill.loss_yolox_kd. Dataset, schedule
# and runtime come from the student's plain mmdet config.
#   python tools/dataset_converters/make_tiny_coco.py data/tiny_coco
#   python tools/train.py configs/mmdet/tiny/yolox_w025_tiny-coco.py
#   python tools/train.py configs/mmdet/tiny/yolox-kd_yolox_tiny-coco.py
_base_ = ['./yolox_tiny_tiny-coco.py']

teacher_ckpt = 'work_dirs/yolox_w025_tiny-coco/epoch_12.pth'

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(cfg_path='mmkd::mmdet/tiny/yolox_tiny_tiny-coco.py'),
    teacher=dict(cfg_path='mmkd::mmdet/tiny/yolox_w025_tiny-coco.py'),
    teacher_ckpt=teacher_ckpt,
    # The explicit form, to record with MethodOutputs: a single-stage
    # detector's 'tensor' mode calls self.bbox_head.forward(x) directly,
    # which bypasses the forward hooks of a ModuleOutputs('bbox_head')
    # recorder (the teacher would record nothing). Wrapping each head's
    # own forward method catches that call and the student's self(x).
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            head=dict(type='MethodOutputs', source='bbox_head.forward')),
        teacher_recorders=dict(
            head=dict(type='MethodOutputs', source='bbox_head.forward')),
        distill_losses=dict(
            loss_yolox_kd=dict(
                type='YOLOXKDLoss', box=1.0, obj=1.0, cls=1.0,
                loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_yolox_kd=dict(
                student=dict(recorder='head', from_student=True),
                teacher=dict(recorder='head', from_student=False)))))

# the run's default scope is mmdet's (from the base), so mmkd's types carry
# their scope
custom_hooks = [dict(type='mmkd.EvaluateTeacherHook')]
