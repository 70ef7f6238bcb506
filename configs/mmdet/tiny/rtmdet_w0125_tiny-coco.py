# A very small RTMDet (CSPNeXt, deepen 0.167 / widen 0.125, 128 px images)
# on the generated tiny COCO-format data set, boxes only. A plain mmdet
# config: the student of the RTMDet neck-distillation tests.
#
# mmdet's rtmdet_tiny_8xb32-300e_coco.py shrunk for tiny CPU runs: the same
# model at an eighth of RTMDet-l's width, the same two-stage data recipe
# (CachedMosaic / RandomResize / RandomCrop / YOLOXHSVRandomAug / RandomFlip
# / Pad / CachedMixUp, then the last stage without mosaic and mixup, switched
# by PipelineSwitchHook), AdamW lr 0.004 and ExpMomentumEMA, but 128 px
# images, BN instead of SyncBN (also in distributed runs), 3 epochs with the switch before the third,
# and a 10-iteration warm-up.
_base_ = ['./_base_/tiny_coco_detection.py']

img_scale = (128, 128)  # width, height, as the base's
max_epochs = 3
stage2_num_epochs = 1  # the last epoch without mosaic and mixup
norm_cfg = dict(type='BN')
act_cfg = dict(type='SiLU', inplace=True)

model = dict(
    type='RTMDet',
    _scope_='mmdet',
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[103.53, 116.28, 123.675],
        std=[57.375, 57.12, 58.395],
        bgr_to_rgb=False,
        batch_augments=None),
    backbone=dict(
        type='CSPNeXt',
        arch='P5',
        expand_ratio=0.5,
        deepen_factor=0.167,
        widen_factor=0.125,
        channel_attention=True,
        norm_cfg=norm_cfg,
        act_cfg=act_cfg),
    neck=dict(
        type='CSPNeXtPAFPN',
        # CSPNeXt's P3-P5 widths: 256, 512, 1024 times widen_factor
        in_channels=[32, 64, 128],
        out_channels=32,
        num_csp_blocks=1,
        expand_ratio=0.5,
        norm_cfg=norm_cfg,
        act_cfg=act_cfg),
    bbox_head=dict(
        type='RTMDetSepBNHead',
        num_classes=3,
        in_channels=32,
        stacked_convs=2,
        feat_channels=32,
        anchor_generator=dict(
            type='MlvlPointGenerator', offset=0, strides=[8, 16, 32]),
        bbox_coder=dict(type='DistancePointBBoxCoder'),
        loss_cls=dict(
            type='QualityFocalLoss',
            use_sigmoid=True,
            beta=2.0,
            loss_weight=1.0),
        loss_bbox=dict(type='GIoULoss', loss_weight=2.0),
        with_objectness=False,
        exp_on_reg=False,
        share_conv=True,
        pred_kernel_size=1,
        norm_cfg=norm_cfg,
        act_cfg=act_cfg),
    train_cfg=dict(
        assigner=dict(type='DynamicSoftLabelAssigner', topk=13),
        allowed_border=-1,
        pos_weight=-1,
        debug=False),
    test_cfg=dict(
        nms_pre=1000,
        min_bbox_size=0,
        score_thr=0.001,
        nms=dict(type='nms', iou_threshold=0.65),
        max_per_img=100),
    # mmdet's RTMDet turns its BNs into SyncBN in distributed runs, which
    # DDP refuses on CPU (gloo): the tiny versions keep BN
    use_syncbn=False)

# Every mmdet type carries its scope (_scope_='mmdet'): a project that
# inherits this file as 'mmkd::...' would otherwise build them in mmkd's
# scope, where they are not registered or are other classes.
train_pipeline = [
    dict(type='LoadImageFromFile', _scope_='mmdet'),
    dict(type='LoadAnnotations', _scope_='mmdet', with_bbox=True),
    dict(
        type='CachedMosaic',
        _scope_='mmdet',
        img_scale=img_scale,
        pad_val=114.0,
        max_cached_images=20,
        random_pop=False),
    dict(
        type='RandomResize',
        _scope_='mmdet',
        scale=(img_scale[0] * 2, img_scale[1] * 2),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', _scope_='mmdet', crop_size=img_scale),
    dict(type='YOLOXHSVRandomAug', _scope_='mmdet'),
    dict(type='RandomFlip', _scope_='mmdet', prob=0.5),
    dict(
        type='Pad',
        _scope_='mmdet',
        size=img_scale,
        pad_val=dict(img=(114, 114, 114))),
    dict(
        type='CachedMixUp',
        _scope_='mmdet',
        img_scale=img_scale,
        ratio_range=(1.0, 1.0),
        max_cached_images=10,
        random_pop=False,
        pad_val=(114, 114, 114),
        prob=0.5),
    dict(type='PackDetInputs', _scope_='mmdet')
]
train_pipeline_stage2 = [
    dict(type='LoadImageFromFile', _scope_='mmdet'),
    dict(type='LoadAnnotations', _scope_='mmdet', with_bbox=True),
    dict(
        type='RandomResize',
        _scope_='mmdet',
        scale=img_scale,
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', _scope_='mmdet', crop_size=img_scale),
    dict(type='YOLOXHSVRandomAug', _scope_='mmdet'),
    dict(type='RandomFlip', _scope_='mmdet', prob=0.5),
    dict(
        type='Pad',
        _scope_='mmdet',
        size=img_scale,
        pad_val=dict(img=(114, 114, 114))),
    dict(type='PackDetInputs', _scope_='mmdet')
]
test_pipeline = [
    dict(type='LoadImageFromFile', _scope_='mmdet'),
    dict(type='Resize', _scope_='mmdet', scale=img_scale, keep_ratio=True),
    dict(
        type='Pad',
        _scope_='mmdet',
        size=img_scale,
        pad_val=dict(img=(114, 114, 114))),
    dict(type='LoadAnnotations', _scope_='mmdet', with_bbox=True),
    dict(
        type='PackDetInputs',
        _scope_='mmdet',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=0.004, weight_decay=0.05),
    paramwise_cfg=dict(
        norm_decay_mult=0, bias_decay_mult=0, bypass_duplicate=True))
param_scheduler = [
    dict(
        type='LinearLR', start_factor=1.0e-5, by_epoch=False, begin=0, end=10),
    dict(
        type='CosineAnnealingLR',
        eta_min=0.004 * 0.05,
        begin=max_epochs // 2,
        end=max_epochs,
        T_max=max_epochs - max_epochs // 2,
        by_epoch=True,
        convert_to_iter_based=True)
]
custom_hooks = [
    dict(
        type='EMAHook',
        ema_type='ExpMomentumEMA',
        momentum=0.0002,
        update_buffers=True,
        priority=49),
    dict(
        type='PipelineSwitchHook',
        _scope_='mmdet',
        switch_epoch=max_epochs - stage2_num_epochs,
        switch_pipeline=train_pipeline_stage2)
]
