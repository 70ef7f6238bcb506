# FBKD, resnet56 -> resnet20 on CIFAR-100: this toolkit's own setting,
# RepDistiller's schedule (1 GPU x 64 images, lr 0.05, 240 epochs).
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = [
    '../../_base_/distill/cifar100_resnet56_resnet20.py', './fbkd_base.py'
]

stages, channels = _base_.stages[:3], _base_.stage_channels[:3]
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=stages,
        teacher_distill_layer=stages,
        loss=[dict(_base_.fbkd.loss, in_channels=c) for c in channels],
        weights=[_base_.fbkd.weight] * len(stages)))
