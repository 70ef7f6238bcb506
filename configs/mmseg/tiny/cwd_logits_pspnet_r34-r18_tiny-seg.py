# Channel-wise distillation (CWD, Shu et al., ICCV 2021) on the segmentation
# logits: PSPNet R34 (teacher) -> R18 (student), both small, on the
# generated tiny segmentation data (the segmentation demo and tests).
# Both sides record the output of decode_head.conv_seg, the (N, 4, 8, 8)
# logits before any resize; the teacher runs in 'tensor' mode (backbone and
# decode head, no auxiliary head, no loss) and stops after conv_seg. The
# student trains as usual plus distill.loss_channelwisedivergence (tau 1;
# weight 3 here, where the full-size configs use MMRazor's 5).
# Dataset, schedule and runtime come from the student's plain mmseg config.
#   python tools/dataset_converters/make_tiny_seg.py data/tiny_seg
#   python tools/train.py configs/mmseg/tiny/pspnet_r34_tiny-seg.py
#   python tools/train.py configs/mmseg/tiny/cwd_logits_pspnet_r34-r18_tiny-seg.py
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
        # the (N, 4, 8, 8) logits before mmseg resizes them
        student_distill_layer=['decode_head.conv_seg'],
        teacher_distill_layer=['decode_head.conv_seg'],
        loss=[dict(type='ChannelWiseDivergence', tau=1.0, loss_weight=3.0)]))

# the run's default scope is mmseg's (from the base), so mmkd's types carry
# their scope
custom_hooks = [dict(type='mmkd.EvaluateTeacherHook')]
