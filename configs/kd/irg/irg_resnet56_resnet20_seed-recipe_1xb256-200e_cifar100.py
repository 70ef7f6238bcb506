# IRG, resnet56 -> resnet20 on CIFAR-100: the seed toolkit's own recipe
# (0.8 * CE + IRG(vert 0.1, edge 5, tran 5) on [layer2, layer3, linear],
# pretrained student, 1 GPU x 256 images, lr 0.01, 200 epochs), as the
# seed's dict config. RepDistiller's schedule:
# irg_resnet56_resnet20_1xb64-240e_cifar100.py.
# Recipe card (source, deviations): metafile.yml.
_base_ = [
    '../../_base_/distill/cifar100_resnet56_resnet20_seed-recipe.py',
    './irg_base.py'
]

model = dict(distiller=_base_.irg)
