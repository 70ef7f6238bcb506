# DKD, vgg13 -> vgg8 on CIFAR-100: mdistiller's recipe (1 GPU x 64 images, lr
# 0.05, 240 epochs).
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = ['../../_base_/distill/cifar100_vgg13_vgg8.py', './dkd_base.py']

# beta from mdistiller configs/cifar100/dkd/vgg13_vgg8.yaml
model = dict(distiller=dict(_base_.dkd, loss=dict(_base_.dkd.loss, beta=6.0)))
custom_hooks = _base_.custom_hooks + _base_.dkd_hooks
