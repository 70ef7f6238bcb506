# Vanilla KD, resnet56 -> resnet20 on CIFAR-100: the seed toolkit's own
# recipe (0.8 * CE + 0.2 * KD(tau 4), pretrained student, 1 GPU x 256
# images, lr 0.01, 200 epochs), what the seed's dict config
# loss=[dict(type='vanilla_kd', T=4)], weights=[0.2] was trained with.
# RepDistiller's recipe: kd_resnet56_resnet20_1xb64-240e_cifar100.py.
# Recipe card (source, deviations): metafile.yml.
_base_ = [
    '../../_base_/distill/cifar100_resnet56_resnet20_seed-recipe.py',
    './kd_base.py'
]

# CE x 0.8 (the pair base) + KD x 0.2: the seed's weights
model = dict(distiller=dict(_base_.kd, weights=0.2))
