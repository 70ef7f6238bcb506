# LS-KD, resnet110 -> resnet20 on CIFAR-100: the LS-KD authors' recipe (1 GPU
# x 64 images, lr 0.05, 240 epochs).
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = [
    '../../_base_/distill/cifar100_resnet110_resnet20.py', './lskd_base.py'
]

# the published 71.48 links logs/KD/kd,resnet110,resnet20,4,12.txt: T 4,
# KD weight 12
model = dict(
    student_loss_weight=_base_.lskd_ce_weight,
    distiller=dict(
        _base_.lskd, loss=dict(_base_.lskd.loss, tau=4.0), weights=12.0))
