# A tiny distilled vision transformer (mmpretrain's DistilledVisionTransformer
# with a class and a distillation token, 2 layers of width 16, 8-pixel
# patches) with mmpretrain's DeiTClsHead, on the generated tiny
# ImageNet-layout set: a plain mmpretrain config, the student of
# deit_resnet34-deit-tiny_tiny-in.py and the config mmpretrain's get_model
# loads its exported student with (mmpretrain's head averages the two
# tokens' logits; trained alone it trains that average, not DeiT).
#   python tools/dataset_converters/make_tiny_imagenet.py data/tiny_imagenet
_base_ = ['./_base_/tiny_imagenet.py']

model = dict(
    type='ImageClassifier',
    _scope_='mmpretrain',
    backbone=dict(
        type='DistilledVisionTransformer',
        arch=dict(
            embed_dims=16, num_layers=2, num_heads=2, feedforward_channels=32),
        img_size=32,
        patch_size=8),
    neck=None,
    head=dict(
        type='DeiTClsHead',
        num_classes=4,
        in_channels=16,
        loss=dict(
            type='LabelSmoothLoss', label_smooth_val=0.1, mode='original')),
    init_cfg=[
        dict(type='TruncNormal', layer='Linear', std=.02),
        dict(type='Constant', layer='LayerNorm', val=1., bias=0.),
    ])

optim_wrapper = dict(
    _delete_=True,
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
    clip_grad=dict(max_norm=5.0))
