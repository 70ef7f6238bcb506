# The ZSKT config (../zskt/zskt_resnet34_resnet18_8xb16_cifar10.py) on small
# networks (mmpretrain's CIFAR ResNets, stage widths 8-64) and a generated
# tiny CIFAR-10 for evaluation: every setting of the full config except the
# networks' widths, the generator's size, 4 images per step and 2
# iterations. The teacher is left at its random initialisation (no
# checkpoint): this config checks the wiring, not accuracy.
#   python tools/train.py \
#       configs/mmpretrain/tiny/zskt_resnet34-w8_resnet18-w8_tiny-cifar10.py
_base_ = ['../zskt/zskt_resnet34_resnet18_8xb16_cifar10.py']

data_root = 'data/tiny_cifar10'
preprocessor = dict(
    type='mmpretrain.ClsDataPreprocessor',
    num_classes=10,
    mean=[125.307, 122.961, 113.8575],
    std=[51.5865, 50.847, 51.255],
    to_rgb=False)


def cifar_resnet(depth):
    return dict(
        _delete_=True,
        type='mmpretrain.ImageClassifier',
        backbone=dict(
            type='ResNet_CIFAR',
            depth=depth,
            stem_channels=8,
            base_channels=8,
            num_stages=4,
            out_indices=(3, ),
            style='pytorch'),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(
            type='LinearClsHead',
            num_classes=10,
            in_channels=64,
            loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
        data_preprocessor=preprocessor)


model = dict(
    architecture=cifar_resnet(18),
    teacher=cifar_resnet(34),
    teacher_ckpt=None,
    teacher_ckpt_optional=True,
    generator=dict(latent_dim=16, hidden_channels=16),
    batch_size=4)
train_dataloader = dict(dataset=[{}] * 2)
train_cfg = dict(max_iters=2, val_interval=2)
# mmkd's CIFAR-10 reader (mmpretrain's checks the official files' md5)
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    dataset=dict(
        _delete_=True,
        type='mmkd.CIFAR10',
        data_root=data_root,
        split='test',
        pipeline=[dict(type='mmpretrain.PackInputs')]))
test_dataloader = val_dataloader
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=2))
