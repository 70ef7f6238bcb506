# CC, resnet110 -> resnet20 on CIFAR-100: RepDistiller's recipe (1 GPU x 64
# images, lr 0.05, 240 epochs).
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = [
    '../../_base_/distill/cifar100_resnet110_resnet20.py', './cc_base.py'
]

embed = dict(_base_.cc.embed, in_channels=_base_.embed_dim)
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            embed=dict(type='ModuleInputs', source='linear')),
        teacher_recorders=dict(
            embed=dict(type='ModuleInputs', source='linear')),
        connectors=dict(embed_s=embed, embed_t=embed),
        distill_losses=dict(loss_cc=_base_.cc.loss),
        loss_forward_mappings=dict(
            loss_cc=dict(
                student=dict(
                    recorder='embed',
                    from_student=True,
                    data_idx=0,
                    connector='embed_s'),
                teacher=dict(
                    recorder='embed',
                    from_student=False,
                    data_idx=0,
                    connector='embed_t')))))
