# The generated tiny segmentation data set (tools/dataset_converters/
# make_tiny_seg.py: squares, circles, triangles on a background, 64 px,
# 255 on shape outlines), mmseg's runtime and a short iteration-based
# schedule. Point data_root elsewhere with --cfg-options
# train_dataloader.dataset.data_root=... (and val/test).
_base_ = ['mmseg::_base_/default_runtime.py']

dataset_type = 'BaseSegDataset'
data_root = 'data/tiny_seg/'
metainfo = dict(
    classes=('background', 'square', 'circle', 'triangle'),
    palette=[[128, 128, 128], [220, 40, 40], [40, 190, 50], [30, 90, 210]])
crop_size = (64, 64)

# Every mmseg type carries its scope (_scope_='mmseg'): a project that
# inherits this file as 'mmkd::...' would otherwise build them in mmkd's
# scope (MMEngine gives the dicts of a package's config that package's
# scope), where they are not registered or are other classes (mmcv's
# LoadAnnotations).
train_pipeline = [
    dict(type='LoadImageFromFile', _scope_='mmseg'),
    dict(type='LoadAnnotations', _scope_='mmseg'),
    dict(type='RandomFlip', prob=0.5, _scope_='mmseg'),
    dict(type='PackSegInputs', _scope_='mmseg')
]
test_pipeline = [
    dict(type='LoadImageFromFile', _scope_='mmseg'),
    dict(type='LoadAnnotations', _scope_='mmseg'),
    dict(type='PackSegInputs', _scope_='mmseg')
]
_dataset = dict(
    type=dataset_type,
    _scope_='mmseg',
    data_root=data_root,
    metainfo=metainfo,
    img_suffix='.png',
    seg_map_suffix='.png',
    reduce_zero_label=False)
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        **_dataset,
        data_prefix=dict(
            img_path='img_dir/train', seg_map_path='ann_dir/train'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        **_dataset,
        data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'], _scope_='mmseg')
test_evaluator = val_evaluator

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0005),
    clip_grad=None)
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-4,
        power=0.9,
        begin=0,
        end=400,
        by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=400, val_interval=400)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=400),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook', _scope_='mmseg'))
# gloo works on the CPU (dist_train.sh with 2 processes); nccl needs GPUs
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='gloo'))
