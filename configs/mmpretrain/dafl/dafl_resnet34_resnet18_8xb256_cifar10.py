# DAFL (Chen et al., ICCV 2019): an mmpretrain CIFAR ResNet-18 learns from
# mmpretrain's CIFAR-10 ResNet-34 without training images. MMRazor 1.0.0's
# configs/distill/mmcls/dafl/dafl_logits_resnet34_resnet18_8xb256_cifar10.py
# on mmkd's DAFLDistill (weights in ./dafl_base.py): 8 processes x 256
# generated images per step; student AdamW lr 0.1, generator AdamW lr 1e-3
# (weight decay 0.01, AdamW's default), both warmed up linearly over 500
# iterations (from x1e-4); the student x0.1 at iterations 12,000 and 24,000
# of 30,000; real CIFAR-10 test images evaluate every 150 iterations.
# Recipe card (source, published top-1, deviations): metafile.yml.
#   bash tools/dist_train.sh \
#       configs/mmpretrain/dafl/dafl_resnet34_resnet18_8xb256_cifar10.py 8
# On one GPU keep the 2,048 images per step with
#   --cfg-options model.batch_size=2048
_base_ = ['mmpretrain::resnet/resnet18_8xb16_cifar10.py', './dafl_base.py']

iter_size = 120  # MMRazor's "epoch": its milestones are 100 and 200 x 120
teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v0/resnet/resnet34_b16x8_cifar10_20210528-a8aa36a6.pth'  # noqa: E501

model = dict(
    _base_.dafl,
    _delete_=True,
    _scope_='mmkd',
    architecture=dict(cfg_path='mmpretrain::resnet/resnet18_8xb16_cifar10.py'),
    teacher=dict(cfg_path='mmpretrain::resnet/resnet34_8xb16_cifar10.py'),
    teacher_ckpt=teacher_ckpt,
    batch_size=256)  # per process

# the student never reads a training image: each placeholder item is one
# iteration (MMEngine's default collate_fn)
train_dataloader = dict(
    _delete_=True,
    batch_size=1,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=[{}] * iter_size)
val_dataloader = dict(batch_size=256)
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_evaluator = val_evaluator

optim_wrapper = dict(
    _delete_=True,
    constructor='mmkd.PerModuleOptimWrapperConstructor',
    architecture=dict(optimizer=dict(type='AdamW', lr=0.1)),
    generator=dict(optimizer=dict(type='AdamW', lr=1e-3)))
warmup = dict(type='LinearLR', start_factor=1e-4, by_epoch=False, end=500)
param_scheduler = dict(
    _delete_=True,
    architecture=[
        warmup,
        dict(
            type='MultiStepLR',
            by_epoch=False,
            begin=500,
            milestones=[100 * iter_size, 200 * iter_size],
            gamma=0.1)
    ],
    generator=[warmup])
train_cfg = dict(
    _delete_=True, by_epoch=False, max_iters=250 * iter_size, val_interval=150)
model_wrapper_cfg = dict(type='MMSeparateDistributedDataParallel')

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=75, log_metric_by_epoch=False),
    checkpoint=dict(
        type='CheckpointHook', by_epoch=False, interval=150, max_keep_ckpts=2))
log_processor = dict(by_epoch=False)
