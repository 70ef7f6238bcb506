# AB, vgg13 -> vgg8 on CIFAR-100: RepDistiller's recipe (1 GPU x 64 images,
# lr 0.05, 240 epochs after a 30-epoch init stage).
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = ['../../_base_/distill/cifar100_vgg13_vgg8.py', './ab_base.py']

# per-pair code: the weights follow the pair's number of stages
n = len(_base_.preact)
model = dict(
    distiller=dict(
        _base_.ab,
        layer_pairs=_base_.preact,
        weights=[_base_.ab_weight * 2.0**(i - n + 1) for i in range(n)]))
custom_hooks = _base_.custom_hooks + [
    dict(_base_.ab_init_stage, exclude=_base_.init_exclude)
]
