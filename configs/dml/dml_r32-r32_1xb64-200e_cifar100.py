# Deep mutual learning (Zhang et al., CVPR 2018) of two resnet32 on CIFAR-100,
# trained together from scratch: each CE + KL(peer || itself) at T=1 to the
# other's detached prediction (the loss of the authors' code,
# YingZhangDUT/Deep-Mutual-Learning, train_models.py). Schedule as the paper
# describes its CIFAR-100 runs (SGD with Nesterov momentum 0.9, lr 0.1, / 10
# every 60 epochs, 200 epochs, batch 64); weight decay is not given there
# (5e-4 here). Both students are validated (student0/..., student1/...);
# export both with tools/model_converters/export_students.py.
#   python tools/train.py configs/dml/dml_r32-r32_1xb64-200e_cifar100.py
_base_ = [
    '../_base_/datasets/cifar100_bs64.py', '../_base_/default_runtime.py'
]

model = dict(
    type='MutualLearning',
    students=[
        dict(type='resnet32', num_classes=100),
        dict(type='resnet32', num_classes=100)
    ],
    kl_loss=dict(type='KDLoss', tau=1.0))

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='SGD', lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4))
param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[60, 120, 180], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=200, val_interval=1)
val_cfg = dict()
test_cfg = dict()
# lr 0.1 is for a total batch of 64 (1 process x 64)
auto_scale_lr = dict(enable=False, base_batch_size=64)

# RecipeHook logs the effective recipe and stops a run that differs from
# the declared one below (--cfg-options recipe.mismatch=warn to train it)
custom_hooks = [dict(type='EvaluateEachStudentHook'), dict(type='RecipeHook')]

# the setting this config declares (see metafile.yml)
recipe = dict(
    total_batch_size=64,
    lr=0.1,
    max_epochs=200,
    source='Zhang et al., Deep Mutual Learning, CVPR 2018, Sec. 4')
