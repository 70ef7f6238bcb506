# The generated tiny classification set in ImageNet's folder layout
# (tools/dataset_converters/make_tiny_imagenet.py: four classes of coloured
# shapes, 32 px), mmpretrain's runtime and a short schedule. Point data_root
# elsewhere with --cfg-options train_dataloader.dataset.data_root=... (and
# val/test).
_base_ = ['mmpretrain::_base_/default_runtime.py']

# Every mmpretrain type carries its scope (_scope_='mmpretrain'): a project
# that inherits this config as an mmkd:: base builds it in another default
# scope, where these names are not (or are other) registered types.

dataset_type = 'CustomDataset'
data_root = 'data/tiny_imagenet'
# as mmpretrain's ImageNet configs: a top-level preprocessor without type
# (the classifier makes it a ClsDataPreprocessor)
data_preprocessor = dict(
    num_classes=4,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)

train_pipeline = [
    dict(type='LoadImageFromFile', _scope_='mmpretrain'),
    dict(
        type='RandomFlip',
        prob=0.5,
        direction='horizontal',
        _scope_='mmpretrain'),
    dict(type='PackInputs', _scope_='mmpretrain')
]
test_pipeline = [
    dict(type='LoadImageFromFile', _scope_='mmpretrain'),
    dict(type='PackInputs', _scope_='mmpretrain')
]
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        _scope_='mmpretrain',
        data_root=data_root,
        data_prefix='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        _scope_='mmpretrain',
        data_root=data_root,
        data_prefix='val',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1, ), _scope_='mmpretrain')
test_evaluator = val_evaluator

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=1e-4))
param_scheduler = dict(type='CosineAnnealingLR', T_max=4, by_epoch=True)
train_cfg = dict(by_epoch=True, max_epochs=4, val_interval=4)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1),
    checkpoint=dict(type='CheckpointHook', interval=4))
# gloo works on the CPU (dist_train.sh with 2 processes); nccl needs GPUs
env_cfg = dict(dist_cfg=dict(backend='gloo'))
