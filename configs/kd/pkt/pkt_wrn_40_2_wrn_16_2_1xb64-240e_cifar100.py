# PKT, wrn_40_2 -> wrn_16_2 on CIFAR-100: RepDistiller's recipe (1 GPU x 64
# images, lr 0.05, 240 epochs).
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = [
    '../../_base_/distill/cifar100_wrn_40_2_wrn_16_2.py', './pkt_base.py'
]

model = dict(distiller=_base_.pkt)
