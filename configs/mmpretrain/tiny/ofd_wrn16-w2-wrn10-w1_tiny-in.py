# The tiny version of configs/mmpretrain/ofd/ (MMRazor's OFD setting, from
# ../ofd/ofd_base.py): the small WRN-16-2 into the WRN-10-1 on the
# generated tiny ImageNet-layout set, the connectors sized for their
# layers (student 16-64, teacher 32-128 channels). The student's own loss
# is logged as student.loss, the distill losses as distill.loss_1 ...
# distill.loss_3.
#   python tools/dataset_converters/make_tiny_imagenet.py data/tiny_imagenet
#   python tools/train.py configs/mmpretrain/tiny/wrn16-w2_tiny-in.py
#   python tools/train.py \
#       configs/mmpretrain/tiny/ofd_wrn16-w2-wrn10-w1_tiny-in.py
_base_ = ['./wrn10-w1_tiny-in.py', '../ofd/ofd_base.py']

teacher_ckpt = 'work_dirs/wrn16-w2_tiny-in/epoch_4.pth'

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(cfg_path='mmkd::mmpretrain/tiny/wrn10-w1_tiny-in.py'),
    teacher=dict(cfg_path='mmkd::mmpretrain/tiny/wrn16-w2_tiny-in.py'),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        _base_.ofd,
        connectors=[
            dict(_base_.ofd_connector, in_channels=c_s, out_channels=c_t)
            for c_s, c_t in ((16, 32), (32, 64), (64, 128))
        ]))

# the run's default scope is mmpretrain's (from the base), so mmkd's types
# carry their scope
custom_hooks = [dict(type='mmkd.EvaluateTeacherHook')]
