# mmpretrain's CIFAR ResNet-18 alone on CIFAR-100, with the data and
# schedule of MMRazor 1.0.0's BYOT config
# (configs/distill/mmcls/byot/byot_resnet18_8xb16_cifar100.py): 8 GPUs x 16
# images, SGD lr 0.1, momentum 0.9, wd 5e-4, 250 epochs, x0.1 at 80/160/240,
# random crop, flip and Cutout 16 (MMRazor's CIFAR AutoAugment policy is not
# here: mmpretrain ships none for CIFAR; see README.md). mmpretrain has no
# CIFAR-100 ResNet-18 config: this is the network the BYOT config trains,
# and the config its exported student loads with.
#   bash tools/dist_train.sh configs/mmpretrain/byot/resnet18_8xb16_cifar100.py 8
_base_ = [
    'mmpretrain::_base_/models/resnet18_cifar.py',
    'mmpretrain::_base_/datasets/cifar100_bs16.py',
    'mmpretrain::_base_/schedules/cifar10_bs128.py',
    'mmpretrain::_base_/default_runtime.py'
]

model = dict(head=dict(num_classes=100))

train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='Cutout', shape=16, pad_val=0),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_evaluator = val_evaluator

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4))
param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[80, 160, 240], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=250, val_interval=1)
