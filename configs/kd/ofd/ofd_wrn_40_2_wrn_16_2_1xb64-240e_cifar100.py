# OFD, wrn_40_2 -> wrn_16_2 on CIFAR-100: the OFD code's loss with
# RepDistiller's schedule (1 GPU x 64 images, lr 0.05, 240 epochs).
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = [
    '../../_base_/distill/cifar100_wrn_40_2_wrn_16_2.py', './ofd_base.py'
]

# per-pair code: one loss per stage with its teacher BN, and weights
# that follow the pair's number of stages
n = len(_base_.preact)
model = dict(
    distiller=dict(
        _base_.ofd,
        layer_pairs=_base_.preact,
        loss=[
            dict(_base_.ofd_loss, teacher_bn=bn)
            for bn in _base_.teacher_preact_bn
        ],
        weights=[_base_.ofd_weight / 2.0**(n - 1 - i) for i in range(n)]))
