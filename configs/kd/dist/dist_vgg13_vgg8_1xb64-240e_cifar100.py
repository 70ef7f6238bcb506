# DIST, vgg13 -> vgg8 on CIFAR-100: the DIST authors' recipe (1 GPU x 64
# images, lr 0.05, 240 epochs).
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = ['../../_base_/distill/cifar100_vgg13_vgg8.py', './dist_base.py']

model = dict(distiller=_base_.dist)
