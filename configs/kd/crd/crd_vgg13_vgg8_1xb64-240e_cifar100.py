# CRD, vgg13 -> vgg8 on CIFAR-100: RepDistiller's recipe (1 GPU x 64 images,
# lr 0.05, 240 epochs).
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = ['../../_base_/distill/cifar100_vgg13_vgg8.py', './crd_base.py']

dim = _base_.embed_dim
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['avgpool'],
        teacher_distill_layer=['avgpool'],
        loss=[dict(_base_.crd.loss, in_channels=dim, out_channels=dim)],
        weights=[_base_.crd.weight]))
custom_hooks = _base_.custom_hooks + _base_.crd.hooks
