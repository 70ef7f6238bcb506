# ICKD, resnet32x4 -> resnet8x4 on CIFAR-100: the ICKD authors' recipe (1 GPU
# x 64 images, lr 0.05, 240 epochs).
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = [
    '../../_base_/distill/cifar100_resnet32x4_resnet8x4.py', './ickd_base.py'
]

model = dict(distiller=dict(_base_.ickd, layer_pairs=_base_.stages[-1:]))
