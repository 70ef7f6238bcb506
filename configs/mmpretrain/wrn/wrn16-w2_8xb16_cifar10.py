# WRN-16-2 on CIFAR-10 as an mmpretrain config: MMRazor 1.0's
# configs/vanilla/mmcls/wide-resnet/wrn16-w2_b16x8_cifar10.py (mmpretrain's
# cifar10_bs16 data, cifar10_bs128 schedule) with mmkd's
# WideResNetBackbone, which has the layout and parameter names of MMRazor's
# WideResNet; the OFD zoo's student (configs/mmpretrain/ofd/).
_base_ = [
    'mmpretrain::_base_/datasets/cifar10_bs16.py',
    'mmpretrain::_base_/schedules/cifar10_bs128.py',
    'mmpretrain::_base_/default_runtime.py'
]

model = dict(
    type='ImageClassifier',
    _scope_='mmpretrain',
    backbone=dict(type='mmkd.WideResNetBackbone', depth=16, widen_factor=2),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=128,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))
test_evaluator = dict(topk=(1, 5))
