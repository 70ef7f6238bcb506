# Data-free distillation (DAFL, Chen et al., ICCV 2019) on the 8x8 digits:
# a generator learns, from the frozen cnn64x5 teacher alone, to make images
# the teacher classifies confidently and evenly over the classes; the cnn8x2
# student learns by KD on those images only and never sees a real training
# digit (the real test digits are only used to evaluate it).
#   python tools/train.py configs/digits/cnn64x5_digits.py
#   python tools/train.py configs/digits/dafl_cnn64x5_cnn8x2_digits.py \
#       --cfg-options model.teacher_ckpt=work_dirs/cnn64x5_digits/epoch_30.pth
# Loss weights as in the authors' MNIST setting (oh 1, a 0.1, ie 5, KD at
# T=1) with Adam for both parts. Their MNIST run (batch 512, lr_G 0.2,
# lr_S 2e-3, 200 x 120 steps) does not fit a CPU-minutes budget: here 20 x 40
# steps of batch 64 with lr_G 1e-3, lr_S 0.03 and a cosine schedule, chosen
# on this data (lr_G 0.2 stalled at ~20-30% test top-1 in 400-600 steps).
_base_ = ['../_base_/datasets/digits_bs64.py', '../_base_/default_runtime.py']

teacher_ckpt = 'work_dirs/cnn64x5_digits/epoch_30.pth'
steps_per_epoch = 40  # 800 steps in all

model = dict(
    type='DAFLDistill',
    architecture=dict(
        type='SimpleCNN',
        in_channels=1,
        channels=8,
        num_convs=2,
        num_classes=10),
    teacher=dict(
        type='SimpleCNN',
        in_channels=1,
        channels=64,
        num_convs=5,
        num_classes=10),
    teacher_ckpt=teacher_ckpt,
    generator=dict(
        type='DAFLGenerator', latent_dim=100, img_size=8, channels=1),
    batch_size=64,
    one_hot_weight=1.0,
    activation_weight=0.1,
    entropy_weight=5.0,
    kd_loss=dict(type='KDLoss', tau=1.0))

# DAFL never reads training images: each placeholder item is one step
# (MMEngine's default collate_fn; no collate_fn dict, which a project
# inheriting this config as 'mmkd::...' would give mmkd's _scope_ key)
train_dataloader = dict(
    _delete_=True,
    batch_size=1,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=[{}] * steps_per_epoch)

optim_wrapper = dict(
    constructor='PerModuleOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='Adam', lr=1e-3)),
    architecture=dict(optimizer=dict(type='Adam', lr=0.03)))
param_scheduler = dict(
    type='CosineAnnealingLR', by_epoch=True, T_max=20, eta_min=0.0)
train_cfg = dict(by_epoch=True, max_epochs=20, val_interval=5)
val_cfg = dict()
test_cfg = dict()
# each part is its own DDP module (the generator and the student)
model_wrapper_cfg = dict(type='MMSeparateDistributedDataParallel')

default_hooks = dict(logger=dict(interval=10))
