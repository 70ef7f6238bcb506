# The distillation the four RTMDet configs of this folder share (MMYOLO's
# recipe, configs/rtmdet/distillation/ there): ChannelWiseDivergence (tau 1,
# loss weight 1) on each of the neck's three output convs (mmdet's
# neck.out_convs.i.conv, before its BN and SiLU), the teacher's map
# standardised per channel with the batch's statistics (NormConnector), the
# student's after a learned bias-free 1x1 conv to the teacher's channels
# (ConvNormConnector: each config names its channels); distillation off from
# epoch 281 (0-based 280). A config inherits this file after its student's
# mmdet config and adds model, custom_hooks and recipe.
levels = ['fpn0', 'fpn1', 'fpn2']  # the neck's three outputs, P3-P5
stop_epoch = 280  # the first epoch (0-based) without distillation

# ConfigurableDistiller without its connectors (their channels are the pair's)
neck_cwd = dict(
    type='ConfigurableDistiller',
    student_recorders={
        level: dict(type='ModuleOutputs', source=f'neck.out_convs.{i}.conv')
        for i, level in enumerate(levels)
    },
    teacher_recorders={
        level: dict(type='ModuleOutputs', source=f'neck.out_convs.{i}.conv')
        for i, level in enumerate(levels)
    },
    distill_losses={
        f'loss_{level}':
        dict(type='ChannelWiseDivergence', tau=1.0, loss_weight=1.0)
        for level in levels
    },
    loss_forward_mappings={
        f'loss_{level}':
        dict(
            student=dict(
                recorder=level, from_student=True, connector=f'{level}_s'),
            teacher=dict(
                recorder=level, from_student=False, connector=f'{level}_t'))
        for level in levels
    })

# after the stop the connectors get no gradient (MMYOLO sets this too)
find_unused_parameters = True

# after the student's EMA (ExpMomentumEMA, momentum 0.0002) and
# PipelineSwitchHook (epoch 280): the stop, the teacher's evaluation and the
# recipe check; the run's default scope is mmdet's, so mmkd's types carry
# their scope
distill_hooks = [
    dict(type='mmkd.StopDistillHook', stop_epoch=stop_epoch),
    dict(type='mmkd.EvaluateTeacherHook'),
    dict(type='mmkd.RecipeHook')
]
