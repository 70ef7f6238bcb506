# Data-free distillation (DAFL, Chen et al., ICCV 2019) of resnet20 from a
# resnet56 CIFAR-100 teacher: the student never sees a CIFAR training image.
# Recipe of the authors' CIFAR-100 command (huawei-noah/
# Data-Efficient-Model-Compression, DAFL/README.md: --n_epochs 2000
# --batch_size 1024 --lr_G 0.02 --lr_S 0.1 --latent_dim 1000 --oh 0.5 --ie 20
# --a 0.1; DAFL-train.py for the rest): batch 1024 generated images per step
# (1 x 1024), 2000 epochs x 120 steps, generator Adam lr 0.02, student SGD
# lr 0.1 momentum 0.9 wd 5e-4 (x0.1 at epochs 800 and 1600), latent 1000,
# oh 0.5, ie 20 (the script's default is 5), a 0.1, KD at T=1. Their
# pair is ResNet-34 -> ResNet-18 (not in mmkd); here CIFAR resnet56 ->
# resnet20. Real CIFAR-100 test images are used for evaluation only.
#   python tools/train.py configs/baselines/resnet56_cifar100.py
#   python tools/train.py configs/dafl/dafl_r56_r20_1xb1024-2000e_cifar100.py
# With N processes, use batch_size=1024 // N and steps_per_epoch=120 * N
# (the placeholder dataset is split over the processes); the entropy term is
# computed on the whole 1024-image batch of all processes, as with one.
_base_ = [
    '../_base_/datasets/cifar100_bs64.py', '../_base_/default_runtime.py'
]

steps_per_epoch = 120

model = dict(
    type='DAFLDistill',
    architecture=dict(type='resnet20', num_classes=100),
    teacher=dict(type='resnet56', num_classes=100),
    teacher_ckpt='work_dirs/resnet56_cifar100/epoch_240.pth',
    generator=dict(
        type='DAFLGenerator', latent_dim=1000, img_size=32, channels=3),
    batch_size=1024,
    one_hot_weight=0.5,
    activation_weight=0.1,
    entropy_weight=20.0,
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
    generator=dict(optimizer=dict(type='Adam', lr=0.02)),
    architecture=dict(
        optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4)))
param_scheduler = dict(
    generator=[],
    architecture=dict(
        type='MultiStepLR', by_epoch=True, milestones=[800, 1600], gamma=0.1))
train_cfg = dict(by_epoch=True, max_epochs=2000, val_interval=10)
val_cfg = dict()
test_cfg = dict()
model_wrapper_cfg = dict(type='MMSeparateDistributedDataParallel')
# keep a checkpoint every 10 epochs (1,200 steps)
default_hooks = dict(checkpoint=dict(interval=10))

# RecipeHook logs the effective recipe and stops a run that differs from
# the declared one below (--cfg-options recipe.mismatch=warn to train it)
custom_hooks = [dict(type='RecipeHook')]

# the setting this config declares (see metafile.yml); the images per step
# are model.batch_size per process (the dataloader only counts steps)
recipe = dict(
    max_epochs=2000,
    source='huawei-noah/Data-Efficient-Model-Compression DAFL README.md')
