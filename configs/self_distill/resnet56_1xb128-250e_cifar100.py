# resnet56 alone on CIFAR-100 with the schedule of the self-distillation
# authors' code (the baseline of byot_resnet56_1xb128-250e_cifar100.py):
# SGD momentum 0.9, lr 0.1 for a total batch of 1 x 128, wd 5e-4, 250
# epochs, lr / 10 at epochs 83, 166 and 240.
#   python tools/train.py configs/self_distill/resnet56_1xb128-250e_cifar100.py
_base_ = [
    '../_base_/datasets/cifar100_bs64.py', '../_base_/default_runtime.py'
]

model = dict(type='resnet56', num_classes=100)

train_dataloader = dict(batch_size=128)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4))
param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[83, 166, 240], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=250, val_interval=1)
val_cfg = dict()
test_cfg = dict()
# lr 0.1 is for a total batch of 128 (1 process x 128)
auto_scale_lr = dict(enable=False, base_batch_size=128)

# RecipeHook logs the effective recipe and stops a run that differs from
# the declared one below (--cfg-options recipe.mismatch=warn to train it);
# byot_resnet56_1xb128-250e_cifar100.py inherits both
custom_hooks = [dict(type='RecipeHook')]

# the setting this config declares (see metafile.yml)
recipe = dict(
    total_batch_size=128,
    lr=0.1,
    max_epochs=250,
    source='ArchipLab-LinfengZhang/pytorch-self-distillation-final train.py')
