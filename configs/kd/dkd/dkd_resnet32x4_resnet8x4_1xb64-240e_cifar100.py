# DKD, resnet32x4 -> resnet8x4 on CIFAR-100: mdistiller's recipe (1 GPU x 64
# images, lr 0.05, 240 epochs).
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = [
    '../../_base_/distill/cifar100_resnet32x4_resnet8x4.py', './dkd_base.py'
]

# beta: the CFG.DKD default (res32x4_res8x4.yaml sets none)
model = dict(distiller=dict(_base_.dkd, loss=dict(_base_.dkd.loss, beta=8.0)))
custom_hooks = _base_.custom_hooks + _base_.dkd_hooks
