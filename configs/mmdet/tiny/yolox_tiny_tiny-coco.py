# A very small YOLOX (CSPDarknet, deepen 0.33 / widen 0.125, 128 px images)
# on the generated tiny COCO-format data set, boxes only. A plain mmdet
# config: the student of the YOLOX output-distillation tests.
#
# Simplified from mmdet's yolox_s_8xb8-300e_coco.py for tiny CPU runs: a
# plain CocoDataset with a Resize/Flip/Pad pipeline instead of the
# MultiImageMixDataset with Mosaic/RandomAffine/MixUp, no
# BatchSyncRandomResize, and none of YOLOXModeSwitchHook (only switches that
# mixing pipeline off), SyncNormHook (a no-op on one process) or EMAHook
# (the distillation config replaces custom_hooks, so the student would be
# trained with EMA alone and distilled without it).
_base_ = ['./_base_/tiny_coco_detection.py']

img_scale = (128, 128)  # width, height, as the base's
# YOLOX's BN momentum 0.03 leaves the running statistics far from the
# batch ones after the few dozen steps of a tiny run (eval outputs blow up)
norm_cfg = dict(type='BN', momentum=0.1, eps=0.001)

model = dict(
    type='YOLOX',
    _scope_='mmdet',
    # YOLOX takes raw 0-255 BGR pixels (no mean/std)
    data_preprocessor=dict(type='DetDataPreprocessor', pad_size_divisor=32),
    backbone=dict(
        type='CSPDarknet',
        deepen_factor=0.33,
        widen_factor=0.125,
        out_indices=(2, 3, 4),
        use_depthwise=False,
        spp_kernal_sizes=(5, 9, 13),
        norm_cfg=norm_cfg,
        act_cfg=dict(type='Swish')),
    neck=dict(
        type='YOLOXPAFPN',
        # CSPDarknet's P3-P5 widths: 256, 512, 1024 times widen_factor
        in_channels=[32, 64, 128],
        out_channels=32,
        num_csp_blocks=1,
        use_depthwise=False,
        upsample_cfg=dict(scale_factor=2, mode='nearest'),
        norm_cfg=norm_cfg,
        act_cfg=dict(type='Swish')),
    bbox_head=dict(
        type='YOLOXHead',
        num_classes=3,
        in_channels=32,
        feat_channels=32,
        stacked_convs=2,
        strides=(8, 16, 32),
        use_depthwise=False,
        norm_cfg=norm_cfg,
        act_cfg=dict(type='Swish'),
        loss_cls=dict(
            type='CrossEntropyLoss',
            use_sigmoid=True,
            reduction='sum',
            loss_weight=1.0),
        loss_bbox=dict(
            type='IoULoss',
            mode='square',
            eps=1e-16,
            reduction='sum',
            loss_weight=5.0),
        loss_obj=dict(
            type='CrossEntropyLoss',
            use_sigmoid=True,
            reduction='sum',
            loss_weight=1.0),
        loss_l1=dict(type='L1Loss', reduction='sum', loss_weight=1.0)),
    train_cfg=dict(assigner=dict(type='SimOTAAssigner', center_radius=2.5)),
    # class and objectness priors start every score at 1e-4: YOLOX's 0.01
    # threshold would leave a one-epoch model without any box to evaluate
    test_cfg=dict(score_thr=0.0, nms=dict(type='nms', iou_threshold=0.65)))

# Every mmdet type carries its scope (_scope_='mmdet'): a project that
# inherits this file as 'mmkd::...' would otherwise build them in mmkd's
# scope (MMEngine gives the dicts of a package's config that package's
# scope), where they are not registered or are other classes (mmcv's
# LoadAnnotations, Resize, RandomFlip).
train_pipeline = [
    dict(type='LoadImageFromFile', _scope_='mmdet'),
    dict(type='LoadAnnotations', _scope_='mmdet', with_bbox=True),
    dict(type='Resize', _scope_='mmdet', scale=img_scale, keep_ratio=True),
    dict(type='RandomFlip', _scope_='mmdet', prob=0.5),
    dict(
        type='Pad',
        _scope_='mmdet',
        pad_to_square=True,
        pad_val=dict(img=(114.0, 114.0, 114.0))),
    dict(
        type='FilterAnnotations',
        _scope_='mmdet',
        min_gt_bbox_wh=(1, 1),
        keep_empty=False),
    dict(type='PackDetInputs', _scope_='mmdet')
]
test_pipeline = [
    dict(type='LoadImageFromFile', _scope_='mmdet'),
    dict(type='Resize', _scope_='mmdet', scale=img_scale, keep_ratio=True),
    dict(
        type='Pad',
        _scope_='mmdet',
        pad_to_square=True,
        pad_val=dict(img=(114.0, 114.0, 114.0))),
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

optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4, nesterov=True),
    paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.))
default_hooks = dict(logger=dict(interval=5))
