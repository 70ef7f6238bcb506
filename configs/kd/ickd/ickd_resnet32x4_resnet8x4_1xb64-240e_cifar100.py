# ICKD, resnet32x4 -> resnet8x4 on CIFAR-100: the ICKD authors' recipe (1 GPU
# x 64 images, lr 0.05, 240 epochs).
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = [
    '../../_base_/distill/cifar100_resnet32x4_resnet8x4.py', './ickd_base.py'
]

layer, channels = _base_.stages[-1], _base_.stage_channels[-1]
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=[layer],
        teacher_distill_layer=[layer],
        connectors=[
            dict(
                _base_.ickd.connector,
                in_channels=channels,
                out_channels=channels)
        ],
        loss=[_base_.ickd.loss],
        weights=[_base_.ickd.weight]))
