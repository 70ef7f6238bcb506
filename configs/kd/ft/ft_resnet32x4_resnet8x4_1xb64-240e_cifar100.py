# FT, resnet32x4 -> resnet8x4 on CIFAR-100: RepDistiller's recipe (1 GPU x 64
# images, lr 0.05, 240 epochs after a 30-epoch init stage).
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = [
    '../../_base_/distill/cifar100_resnet32x4_resnet8x4.py', './ft_base.py'
]

model = dict(distiller=dict(_base_.ft, layer_pairs=_base_.stages[-1:]))
custom_hooks = _base_.custom_hooks + [_base_.ft_init_stage]
