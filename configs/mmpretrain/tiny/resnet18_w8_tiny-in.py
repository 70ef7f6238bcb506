# A small ResNet-18 (mmpretrain's, stage widths 8-64) on the generated tiny
# ImageNet-layout set: a plain mmpretrain config, the student of the
# classification tests, and the config mmpretrain's get_model loads the
# exported student with.
#   python tools/dataset_converters/make_tiny_imagenet.py data/tiny_imagenet
#   python tools/train.py configs/mmpretrain/tiny/resnet18_w8_tiny-in.py
_base_ = ['./_base_/tiny_imagenet.py']

model = dict(
    type='ImageClassifier',
    _scope_='mmpretrain',
    backbone=dict(
        type='ResNet',
        depth=18,
        stem_channels=8,
        base_channels=8,
        num_stages=4,
        out_indices=(3, ),
        style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=4,
        in_channels=64,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, )))
