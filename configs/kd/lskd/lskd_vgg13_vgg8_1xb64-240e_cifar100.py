# LS-KD, vgg13 -> vgg8 on CIFAR-100: the LS-KD authors' recipe (1 GPU x 64
# images, lr 0.05, 240 epochs).
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = ['../../_base_/distill/cifar100_vgg13_vgg8.py', './lskd_base.py']

# the published 74.36 links logs/KD/kd,vgg13,vgg8,3,9.txt: T 3
model = dict(
    student_loss_weight=_base_.lskd_ce_weight,
    distiller=dict(_base_.lskd, loss=dict(_base_.lskd.loss, tau=3.0)))
