# FSP, resnet56 -> resnet20 on CIFAR-100: RepDistiller's recipe (1 GPU x 64
# images, lr 0.05, 240 epochs after a 30-epoch init stage).
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = [
    '../../_base_/distill/cifar100_resnet56_resnet20.py', './fsp_base.py'
]

model = dict(
    distiller=dict(_base_.fsp, layer_pairs=[_base_.stem] + _base_.stages))
custom_hooks = _base_.custom_hooks + [
    dict(_base_.fsp_init_stage, exclude=_base_.init_exclude)
]
