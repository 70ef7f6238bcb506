# The tiny version of configs/mmpretrain/dkd/ (MMRazor's DKD setting, from
# ../dkd/dkd_base.py): the small ResNet-34 into the small ResNet-18 on the
# generated tiny ImageNet-layout set. The student's own loss is logged as
# student.loss, the distill loss as distill.loss_dkd.
#   python tools/dataset_converters/make_tiny_imagenet.py data/tiny_imagenet
#   python tools/train.py configs/mmpretrain/tiny/resnet34_w8_tiny-in.py
#   python tools/train.py configs/mmpretrain/tiny/dkd_resnet34-resnet18_tiny-in.py
_base_ = ['./resnet18_w8_tiny-in.py', '../dkd/dkd_base.py']

teacher_ckpt = 'work_dirs/resnet34_w8_tiny-in/epoch_4.pth'

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(cfg_path='mmkd::mmpretrain/tiny/resnet18_w8_tiny-in.py'),
    teacher=dict(cfg_path='mmkd::mmpretrain/tiny/resnet34_w8_tiny-in.py'),
    teacher_ckpt=teacher_ckpt,
    distiller=_base_.dkd.distiller)

# the run's default scope is mmpretrain's (from the base), so mmkd's types
# carry their scope
custom_hooks = [dict(type='mmkd.EvaluateTeacherHook')]
