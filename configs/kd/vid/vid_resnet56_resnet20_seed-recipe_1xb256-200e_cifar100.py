# VID, resnet56 -> resnet20 on CIFAR-100: the seed toolkit's own recipe
# (0.8 * CE + VID on layer1/2/3 with weights [1, 1, 1], pretrained student,
# 1 GPU x 256 images, lr 0.01, 200 epochs), as the seed's dict config.
# RepDistiller's recipe: vid_resnet56_resnet20_1xb64-240e_cifar100.py.
# Recipe card (source, deviations): metafile.yml.
_base_ = [
    '../../_base_/distill/cifar100_resnet56_resnet20_seed-recipe.py',
    './vid_base.py'
]

# the seed's weights: [1, 1, 1]
model = dict(
    distiller=dict(_base_.vid, layer_pairs=_base_.stages, weights=1.0))
