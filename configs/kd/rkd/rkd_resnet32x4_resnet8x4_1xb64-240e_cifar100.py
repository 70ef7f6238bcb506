# RKD, resnet32x4 -> resnet8x4 on CIFAR-100: RepDistiller's recipe (1 GPU x
# 64 images, lr 0.05, 240 epochs).
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = [
    '../../_base_/distill/cifar100_resnet32x4_resnet8x4.py', './rkd_base.py'
]

model = dict(distiller=_base_.rkd)
