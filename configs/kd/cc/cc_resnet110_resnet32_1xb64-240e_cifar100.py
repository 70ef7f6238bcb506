# CC, resnet110 -> resnet32 on CIFAR-100: RepDistiller's recipe (1 GPU x 64
# images, lr 0.05, 240 epochs).
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = [
    '../../_base_/distill/cifar100_resnet110_resnet32.py', './cc_base.py'
]

embed = dict(_base_.cc_embed, in_channels=_base_.embedding.channels)
model = dict(
    distiller=dict(_base_.cc, connectors=dict(embed_s=embed, embed_t=embed)))
