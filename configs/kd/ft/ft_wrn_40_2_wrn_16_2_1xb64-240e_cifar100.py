# FT, wrn_40_2 -> wrn_16_2 on CIFAR-100: RepDistiller's recipe (1 GPU x 64
# images, lr 0.05, 240 epochs after a 30-epoch init stage).
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = ['../../_base_/distill/cifar100_wrn_40_2_wrn_16_2.py', './ft_base.py']

layer, channels = _base_.stages[-1], _base_.stage_channels[-1]
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=[layer],
        teacher_distill_layer=[layer],
        connectors=[
            dict(
                type='Translator',
                in_channels=channels,
                out_channels=channels,
                rate=_base_.ft.loss.rate)
        ],
        loss=[dict(_base_.ft.loss, in_channels=channels)],
        weights=[_base_.ft.weight]))
custom_hooks = _base_.custom_hooks + [_base_.ft.init_stage]
