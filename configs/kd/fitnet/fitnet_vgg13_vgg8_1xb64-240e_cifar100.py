# FitNet, vgg13 -> vgg8 on CIFAR-100: RepDistiller's recipe (1 GPU x 64
# images, lr 0.05, 240 epochs).
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = ['../../_base_/distill/cifar100_vgg13_vgg8.py', './fitnet_base.py']

hint, channels = _base_.stages[1], _base_.stage_channels[1]
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=[hint],
        teacher_distill_layer=[hint],
        connectors=[
            dict(
                _base_.fitnet.connector,
                in_channels=channels,
                out_channels=channels)
        ],
        loss=[_base_.fitnet.loss],
        weights=[_base_.fitnet.weight]))
