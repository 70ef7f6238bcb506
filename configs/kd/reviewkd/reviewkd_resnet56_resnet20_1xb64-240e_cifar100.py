# ReviewKD, resnet56 -> resnet20 on CIFAR-100: the official code's loss weight
# and 20-epoch warm-up (reviewkd_base.py) with RepDistiller's schedule
# (1 GPU x 64 images, lr 0.05, 240 epochs). The official CIFAR-100
# code itself trains with 128 images per step at lr 0.1 (train.py
# defaults; SGD with Nesterov momentum).
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = [
    '../../_base_/distill/cifar100_resnet56_resnet20.py', './reviewkd_base.py'
]

# weight from CIFAR-100/script/reviewKD.sh
model = dict(
    distiller=dict(
        _base_.reviewkd,
        layer_pairs=_base_.stages + [_base_.embedding],
        weights=0.6))
custom_hooks = _base_.custom_hooks + _base_.reviewkd_hooks
