# resnet56 (teacher) -> resnet20 (student) on CIFAR-100 with the seed
# toolkit's own recipe (docs/migrating_from_seed.md), not RepDistiller's:
# the student starts from its pretrained checkpoint, CE x 0.8, SGD lr 0.01
# (momentum 0.9, wd 5e-4) for a batch of 256, x0.2 at epochs 60/120/160,
# 200 epochs, best epoch reported, images rotated by up to 15 degrees
# after crop and flip (RandomRotation(15)). Train the student alone first
# (configs/baselines/
# resnet20_cifar100.py) or pass another checkpoint with --cfg-options
# model.architecture.init_cfg.checkpoint=PATH.
_base_ = './cifar100_resnet56_resnet20.py'

recipe = dict(
    total_batch_size=256,
    lr=0.01,
    max_epochs=200,
    source="the seed toolkit's recipe: batch 256, lr 0.01, 200 epochs")
train_dataloader = dict(
    batch_size=256,
    dataset=dict(pipeline=[
        dict(type='RandomCrop', crop_size=32, padding=4),
        dict(type='RandomFlip', prob=0.5, direction='horizontal'),
        dict(type='RandomRotation', degrees=15),
        dict(type='PackClsInputs'),
    ]))
auto_scale_lr = dict(base_batch_size=256)
optim_wrapper = dict(optimizer=dict(lr=0.01))
param_scheduler = dict(milestones=[60, 120, 160], gamma=0.2)
train_cfg = dict(max_epochs=200)

model = dict(
    student_loss_weight=0.8,
    architecture=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint='work_dirs/resnet20_cifar100/epoch_240.pth')))
