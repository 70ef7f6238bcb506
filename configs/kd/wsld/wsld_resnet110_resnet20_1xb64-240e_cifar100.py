# WSLD, resnet110 -> resnet20 on CIFAR-100: the WSLD code's loss with
# RepDistiller's schedule (1 GPU x 64 images, lr 0.05, 240 epochs).
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = [
    '../../_base_/distill/cifar100_resnet110_resnet20.py', './wsld_base.py'
]

model = dict(distiller=_base_.wsld)
