# Channel-wise distillation of normalised neck outputs: RTMDet-s (teacher) ->
# RTMDet-tiny (student), COCO, 300 epochs: 280 distilled, then 20 with
# distillation off and the mosaic/mixup pipeline switched off.
#
# Method: MMYOLO's RTMDet distillation recipe (MMYOLO
#   configs/rtmdet/distillation/kd_tiny_rtmdet_s_neck_300e_coco.py, built on MMRazor): on each
#   of the three output convs of the neck (the conv of each ConvModule, before
#   its BN and SiLU; mmdet's neck.out_convs.i.conv, MMYOLO's
#   neck.out_layers.i.conv) the teacher's map is standardised per channel
#   with the batch's statistics (NormConnector), the student's after a
#   learned bias-free 1x1 conv to the teacher's 128 channels
#   (ConvNormConnector); ChannelWiseDivergence (tau 1, loss weight 1) per
#   level, logged as distill.loss_fpn0..2, plus the student's own losses.
#   StopDistillHook switches distillation off from epoch 281 (0-based 280),
#   with mmdet's PipelineSwitchHook of the student's config.
# Paper: Shu et al., "Channel-wise Knowledge Distillation for Dense
#   Prediction", ICCV 2021 (arXiv:2011.13256); the normalisation after Cao
#   et al., "PKD: General Distillation Framework for Object Detectors via
#   Pearson Correlation Coefficient", NeurIPS 2022 (arXiv:2207.02039).
# Published (MMYOLO's configs/rtmdet/distillation/README.md and
#   configs/rtmdet/metafile.yml), COCO val2017 box mAP, MMYOLO's RTMDet:
#   RTMDet-tiny alone 41.0 -> 41.8 distilled (teacher RTMDet-s: 44.6).
#   mmdet 3.3's own RTMDet-tiny and RTMDet-s (mmdet's configs/rtmdet/metafile.yml):
#   40.9 and 44.5. mmkd has not trained this config; the deviations
#   from MMYOLO's recipe are listed in ./README.md.
# Student: mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py (its dataset,
#   pipelines, AdamW lr 0.004 schedule, EMA and pipeline switch are the
#   base of this file)
# Teacher: mmdet::rtmdet/rtmdet_s_8xb32-300e_coco.py
# Teacher checkpoint: train the teacher config, or put mmdet's released
#   rtmdet_s_8xb32-300e_coco weights (the `Weights` entry of mmdet's
#   configs/rtmdet/metafile.yml) at the path below; it is loaded strictly.
#   MMYOLO's teacher weights do not load into mmdet's RTMDet (other module
#   names). Nothing is downloaded by this config.
# Train (8 GPUs x 32 images, as published):
#   bash tools/dist_train.sh \
#       configs/mmdet/rtmdet/kd_tiny_rtmdet_s_neck_300e_coco.py 8
#   (or: --cfg-options model.teacher_ckpt=/path/to/teacher.pth)
_base_ = [
    'mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py', './rtmdet_neck_cwd.py'
]

teacher_ckpt = 'checkpoints/rtmdet_s_8xb32-300e_coco.pth'
student_channels = 96  # the student's neck out_channels
teacher_channels = 128  # the teacher's

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(cfg_path='mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py'),
    teacher=dict(cfg_path='mmdet::rtmdet/rtmdet_s_8xb32-300e_coco.py'),
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

custom_hooks = _base_.custom_hooks + _base_.distill_hooks

# the setting of the published numbers: RecipeHook stops a run that trains
# another (--cfg-options recipe.mismatch=warn to train it anyway)
recipe = dict(
    total_batch_size=256,  # 8 processes x 32 images
    lr=0.004,
    max_epochs=300,
    source=('MMYOLO configs/rtmdet/distillation/'
            'kd_tiny_rtmdet_s_neck_300e_coco.py'))
