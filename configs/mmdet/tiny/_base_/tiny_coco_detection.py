# The generated tiny COCO-format data set (tools/dataset_converters/
# make_tiny_coco.py: squares, circles, triangles, 128 px) with boxes, and
# the short schedule the tiny configs train with. Point data_root elsewhere
# with --cfg-options train_dataloader.dataset.data_root=... (and val/test,
# val_evaluator.ann_file).
_base_ = [
    'mmdet::_base_/datasets/coco_detection.py',
    'mmdet::_base_/schedules/schedule_1x.py',
    'mmdet::_base_/default_runtime.py'
]

data_root = 'data/tiny_coco/'
classes = ('square', 'circle', 'triangle')
img_scale = (128, 128)  # width, height

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
    dict(type='PackDetInputs', _scope_='mmdet')
]
test_pipeline = [
    dict(type='LoadImageFromFile', _scope_='mmdet'),
    dict(type='Resize', _scope_='mmdet', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', _scope_='mmdet', with_bbox=True),
    dict(
        type='PackDetInputs',
        _scope_='mmdet',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
train_dataloader = dict(
    batch_size=2,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        metainfo=dict(classes=classes),
        filter_cfg=dict(filter_empty_gt=True, min_size=8),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=2,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        metainfo=dict(classes=classes),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val2017.json')
test_evaluator = val_evaluator

train_cfg = dict(max_epochs=12, val_interval=12)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=20),
    dict(type='MultiStepLR', by_epoch=True, milestones=[8, 11], gamma=0.1)
]
auto_scale_lr = dict(enable=False, base_batch_size=2)
default_hooks = dict(logger=dict(interval=5))
