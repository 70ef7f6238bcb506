# What MMRazor's adversarial data-free configs (DFAD, ZSKT; configs of
# this folder and ../zskt/) share: mmpretrain's CIFAR-10 ResNet-18 student
# config as the base, MMRazor's CIFAR-10 ResNet-34 teacher checkpoint, and
# the run: no training images (placeholder iterations), student SGD 0.1
# and generator Adam 1e-3, both x0.1 at the authors' epochs 100 and 200 of
# 500 x 50 iterations, evaluation every 250 iterations.
_base_ = ['mmpretrain::resnet/resnet18_8xb16_cifar10.py']

iter_size = 50  # the authors' "epoch": 50 iterations between evaluations
teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v0/resnet/resnet34_b16x8_cifar10_20210528-a8aa36a6.pth'  # noqa: E501

# the student never reads a training image: each placeholder item is one
# iteration (MMEngine's default collate_fn)
train_dataloader = dict(
    _delete_=True,
    batch_size=1,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=[{}] * iter_size)

optim_wrapper = dict(
    _delete_=True,
    constructor='mmkd.PerModuleOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='Adam', lr=1e-3)),
    architecture=dict(
        optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4)))
param_scheduler = dict(
    _delete_=True,
    generator=dict(
        type='MultiStepLR',
        by_epoch=False,
        milestones=[100 * iter_size, 200 * iter_size],
        gamma=0.1),
    architecture=dict(
        type='MultiStepLR',
        by_epoch=False,
        milestones=[100 * iter_size, 200 * iter_size],
        gamma=0.1))
train_cfg = dict(
    _delete_=True, by_epoch=False, max_iters=500 * iter_size, val_interval=250)
model_wrapper_cfg = dict(type='MMSeparateDistributedDataParallel')

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    checkpoint=dict(
        type='CheckpointHook', by_epoch=False, interval=250, max_keep_ckpts=2))
log_processor = dict(by_epoch=False)
