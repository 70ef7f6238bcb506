# A small WRN-10-1 (mmkd's WideResNetBackbone in an mmpretrain classifier,
# stage widths 16-64) on the generated tiny ImageNet-layout set: the
# student of the OFD zoo's tiny version.
#   python tools/dataset_converters/make_tiny_imagenet.py data/tiny_imagenet
#   python tools/train.py configs/mmpretrain/tiny/wrn10-w1_tiny-in.py
_base_ = ['./_base_/tiny_imagenet.py']

model = dict(
    type='ImageClassifier',
    _scope_='mmpretrain',
    backbone=dict(type='mmkd.WideResNetBackbone', depth=10, widen_factor=1),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=4,
        in_channels=64,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, )))
