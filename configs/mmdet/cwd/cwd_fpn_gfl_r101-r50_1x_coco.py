# CWD on the FPN outputs: GFL R101 (teacher, multi-scale 2x) -> GFL R50
# (student, 1x), COCO.
#
# Method: channel-wise distillation, per channel a softmax over the H*W
#   positions, KL(teacher || student) * tau^2 / (N*C), on all five FPN levels
#   (P3-P7), tau=1, loss weight 10 (MMRazor's FPN recipe). The losses
#   of the five levels are summed into one log entry,
#   distill.loss_channelwisedivergence.
# Paper: Shu et al., "Channel-wise Knowledge Distillation for Dense
#   Prediction", ICCV 2021 (arXiv:2011.13256).
# Published (MMRazor's CWD README/metafile), COCO val2017 box mAP:
#   GFL R50 1x baseline 40.2 -> 41.9 distilled (teacher GFL R101 ms-2x: 44.7)
#   MMRazor's table labels this row's location "cls head", but its config
#   (cwd_cls_head_gfl_r101_fpn_gfl_r50_fpn_1x_coco.py) inherits the FPN
#   recipe (neck outputs 0-4, tau 1, weight 10) reproduced here.
# Student: mmdet::gfl/gfl_r50_fpn_1x_coco.py (its dataset, 1x schedule,
#   runtime and backbone init are the base of this file)
# Teacher: mmdet::gfl/gfl_r101_fpn_ms-2x_coco.py
# Teacher checkpoint: train the teacher config, or put mmdet's released
#   gfl_r101_fpn_ms-2x_coco weights (the `Weights` entry of mmdet's
#   configs/gfl/metafile.yml) at the path below; it is loaded strictly.
#   Nothing is downloaded by this config.
# Train (8 GPUs x 2 images, as published):
#   bash tools/dist_train.sh \
#       configs/mmdet/cwd/cwd_fpn_gfl_r101-r50_1x_coco.py 8
#   (or: --cfg-options model.teacher_ckpt=/path/to/teacher.pth)
_base_ = ['mmdet::gfl/gfl_r50_fpn_1x_coco.py']

teacher_ckpt = 'checkpoints/gfl_r101_fpn_ms-2x_coco.pth'

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(cfg_path='mmdet::gfl/gfl_r50_fpn_1x_coco.py'),
    teacher=dict(cfg_path='mmdet::gfl/gfl_r101_fpn_ms-2x_coco.py'),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        # 'neck' records the tuple of the five FPN levels; the loss sums
        # over them (same as five per-level losses of weight 10)
        student_distill_layer=['neck'],
        teacher_distill_layer=['neck'],
        loss=[dict(type='ChannelWiseDivergence', tau=1.0, loss_weight=10.0)]))

# the run's default scope is mmdet's (from the base), so mmkd's types carry
# their scope
custom_hooks = [dict(type='mmkd.EvaluateTeacherHook')]
