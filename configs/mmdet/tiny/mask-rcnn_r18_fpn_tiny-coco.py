# A small Mask R-CNN (ResNet-18 + FPN, 128 px images) on the generated tiny
# COCO-format data set (tools/dataset_converters/make_tiny_coco.py). It is a
# plain mmdet config: the student of the detection demo and tests, and the
# config mmdet's own tools load the exported student with.
_base_ = [
    'mmdet::_base_/models/mask-rcnn_r50_fpn.py',
    './_base_/tiny_coco_detection.py'
]

model = dict(
    backbone=dict(depth=18, frozen_stages=-1, norm_eval=False, init_cfg=None),
    neck=dict(in_channels=[64, 128, 256, 512], out_channels=64),
    rpn_head=dict(in_channels=64, feat_channels=64),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=64),
        bbox_head=dict(in_channels=64, fc_out_channels=128, num_classes=3),
        mask_roi_extractor=dict(out_channels=64),
        mask_head=dict(
            num_convs=2, in_channels=64, conv_out_channels=64, num_classes=3)))

# the base's pipelines, with masks (mmdet's types carry their scope: see
# the base)
img_scale = (128, 128)
train_pipeline = [
    dict(type='LoadImageFromFile', _scope_='mmdet'),
    dict(
        type='LoadAnnotations',
        _scope_='mmdet',
        with_bbox=True,
        with_mask=True),
    dict(type='Resize', _scope_='mmdet', scale=img_scale, keep_ratio=True),
    dict(type='RandomFlip', _scope_='mmdet', prob=0.5),
    dict(type='PackDetInputs', _scope_='mmdet')
]
test_pipeline = [
    dict(type='LoadImageFromFile', _scope_='mmdet'),
    dict(type='Resize', _scope_='mmdet', scale=img_scale, keep_ratio=True),
    dict(
        type='LoadAnnotations',
        _scope_='mmdet',
        with_bbox=True,
        with_mask=True),
    dict(
        type='PackDetInputs',
        _scope_='mmdet',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(metric=['bbox', 'segm'])
test_evaluator = val_evaluator

optim_wrapper = dict(optimizer=dict(lr=0.02))
