# The tiny version of configs/mmpretrain/dafl/ (MMRazor's DAFL setting, from
# ../dafl/dafl_base.py): the small ResNet-34 teaches the small ResNet-18
# (stage widths 8-64) through a small generator (latent 16, 16 hidden
# channels), 4 generated 32-px images per step, the full config's
# optimizers (AdamW 0.1 / 1e-3); the generated tiny ImageNet-layout set's
# validation images evaluate the student. The generator's losses are logged
# as gen.loss_one_hot / loss_activation / loss_entropy, the student's as
# distill.loss_kd.
#   python tools/dataset_converters/make_tiny_imagenet.py data/tiny_imagenet
#   python tools/train.py configs/mmpretrain/tiny/resnet34_w8_tiny-in.py
#   python tools/train.py configs/mmpretrain/tiny/dafl_resnet34-resnet18_tiny-in.py
_base_ = ['./resnet18_w8_tiny-in.py', '../dafl/dafl_base.py']

teacher_ckpt = 'work_dirs/resnet34_w8_tiny-in/epoch_4.pth'
steps_per_epoch = 2

model = dict(
    _base_.dafl,
    _delete_=True,
    _scope_='mmkd',
    architecture=dict(cfg_path='mmkd::mmpretrain/tiny/resnet18_w8_tiny-in.py'),
    teacher=dict(cfg_path='mmkd::mmpretrain/tiny/resnet34_w8_tiny-in.py'),
    teacher_ckpt=teacher_ckpt,
    generator=dict(_base_.dafl.generator, latent_dim=16, hidden_channels=16),
    batch_size=4)

# the student never reads a training image: each placeholder item is one
# iteration (MMEngine's default collate_fn)
train_dataloader = dict(
    _delete_=True,
    batch_size=1,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=[{}] * steps_per_epoch)
optim_wrapper = dict(
    _delete_=True,
    constructor='mmkd.PerModuleOptimWrapperConstructor',
    architecture=dict(optimizer=dict(type='AdamW', lr=0.1)),
    generator=dict(optimizer=dict(type='AdamW', lr=1e-3)))
param_scheduler = dict(
    _delete_=True,
    architecture=dict(type='CosineAnnealingLR', T_max=4, by_epoch=True),
    generator=[])
model_wrapper_cfg = dict(type='MMSeparateDistributedDataParallel')
