# Output distillation on the YOLOX head: YOLOX-L (teacher) -> YOLOX-S
# (student), 300 epochs, COCO.
#
# Method: objectness-scaled output distillation on the raw outputs of
#   YOLOXHead: per level, with s = sigmoid(teacher objectness logit),
#   MSE(student, teacher) * s on box, objectness and class outputs, summed
#   over the three levels (YOLOXKDLoss on what `bbox_head.forward`
#   returns), logged as distill.loss_yolox_kd. Weights box=obj=cls=1,
#   loss weight 1: untuned defaults.
# Paper: Mehta & Ozturk, "Object detection at 200 Frames Per Second", ECCV
#   2018 workshops (the loss); Ge et al., "YOLOX: Exceeding YOLO Series in
#   2021", arXiv:2107.08430 (the detectors).
# Published numbers: YOLOX-S alone 40.5 box AP, YOLOX-L 49.4 box AP (mmdet's
#   configs/yolox/metafile.yml; its README is not installed with mmdet,
#   see mmdet's YOLOX README for the full table). There is NO published
#   number for this distillation: the distilled target is unknown.
# Student: mmdet::yolox/yolox_s_8xb8-300e_coco.py (its dataset, mosaic/mixup
#   pipeline, 300-epoch schedule, EMA and YOLOX hooks are the base)
# Teacher: mmdet::yolox/yolox_l_8xb8-300e_coco.py
# Teacher checkpoint: train the teacher config, or put mmdet's released
#   yolox_l_8x8_300e_coco weights (the `Weights` entry of mmdet's
#   configs/yolox/metafile.yml) at the path below; it is loaded strictly.
#   Nothing is downloaded by this config.
# Both networks see the same (randomly resized) batch, so their head
#   outputs have the same shapes at every step.
# Train (8 GPUs x 8 images, as mmdet trains YOLOX):
#   bash tools/dist_train.sh \
#       configs/mmdet/yolox_kd/yolox-kd_head_yolox-l-s_8xb8-300e_coco.py 8
#   (or: --cfg-options model.teacher_ckpt=/path/to/teacher.pth)
_base_ = ['mmdet::yolox/yolox_s_8xb8-300e_coco.py']

teacher_ckpt = 'checkpoints/yolox_l_8xb8-300e_coco.pth'

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(cfg_path='mmdet::yolox/yolox_s_8xb8-300e_coco.py'),
    teacher=dict(cfg_path='mmdet::yolox/yolox_l_8xb8-300e_coco.py'),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        # what bbox_head.forward returns: (cls_scores, bbox_preds,
        # objectnesses), each a list over the three levels. A method
        # recorder, because YOLOX's 'tensor' mode (the teacher's) calls
        # bbox_head.forward(x) directly, which module hooks do not see.
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

# the student's YOLOX hooks (mode switch, norm sync, EMA), then the teacher's
# evaluation; the run's default scope is mmdet's, so mmkd's types carry their
# scope
custom_hooks = _base_.custom_hooks + [dict(type='mmkd.EvaluateTeacherHook')]
