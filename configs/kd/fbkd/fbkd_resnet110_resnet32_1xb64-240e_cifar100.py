# FBKD, resnet110 -> resnet32 on CIFAR-100: this toolkit's own setting,
# RepDistiller's schedule (1 GPU x 64 images, lr 0.05, 240 epochs).
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = [
    '../../_base_/distill/cifar100_resnet110_resnet32.py', './fbkd_base.py'
]

model = dict(distiller=dict(_base_.fbkd, layer_pairs=_base_.stages[:3]))
