# Feature distillation on the backbone (FitNet-style L2 through a 1x1
# conv + BN connector, Romero et al., ICLR 2015): PSPNet R34 (teacher) ->
# R18 (student), both small, on the generated tiny segmentation data.
# The student's last backbone stage (128 channels, 8x8) is mapped to the
# teacher's (256 channels) and compared with L2; the teacher runs only its
# backbone (it stops there: no decode or auxiliary head).
#   python tools/train.py configs/mmseg/tiny/pspnet_r34_tiny-seg.py
#   python tools/train.py configs/mmseg/tiny/fitnet_backbone_pspnet_r34-r18_tiny-seg.py
_base_ = ['./pspnet_r18_tiny-seg.py']

teacher_ckpt = 'work_dirs/pspnet_r34_tiny-seg/iter_400.pth'

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(cfg_path='mmkd::mmseg/tiny/pspnet_r18_tiny-seg.py'),
    teacher=dict(cfg_path='mmkd::mmseg/tiny/pspnet_r34_tiny-seg.py'),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        # the backbone's output is the tuple of its four stages
        student_recorders=dict(
            backbone=dict(type='ModuleOutputs', source='backbone')),
        teacher_recorders=dict(
            backbone=dict(type='ModuleOutputs', source='backbone')),
        connectors=dict(
            stage4=dict(
                type='ConvBNConnector', in_channels=128, out_channels=256)),
        distill_losses=dict(loss_fitnet=dict(type='L2Loss', loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_fitnet=dict(
                student=dict(
                    recorder='backbone',
                    from_student=True,
                    data_idx=3,
                    connector='stage4'),
                teacher=dict(
                    recorder='backbone', from_student=False, data_idx=3)))))

custom_hooks = [dict(type='mmkd.EvaluateTeacherHook')]
