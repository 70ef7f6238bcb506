# KD (Hinton et al., 2015) from the small ResNet-34 into the small ResNet-18,
# both mmpretrain classifiers, on the generated tiny ImageNet-layout set: the
# tiny version of configs/mmpretrain/kd/ (MMRazor's KD setting, from
# ../kd/kd_base.py).
# Both networks are built from their plain mmpretrain configs (cfg_path), so
# each keeps its own data preprocessor; the dataset, schedule and runtime
# come from the student's config. The student's own loss is logged as
# student.loss, the distill loss as distill.loss_kd.
#   python tools/dataset_converters/make_tiny_imagenet.py data/tiny_imagenet
#   python tools/train.py configs/mmpretrain/tiny/resnet34_w8_tiny-in.py
#   python tools/train.py configs/mmpretrain/tiny/kd_resnet34-resnet18_tiny-in.py
#   python tools/test.py configs/mmpretrain/tiny/kd_resnet34-resnet18_tiny-in.py \
#       work_dirs/kd_resnet34-resnet18_tiny-in/epoch_4.pth
#   python tools/model_converters/export_student.py \
#       work_dirs/kd_resnet34-resnet18_tiny-in/epoch_4.pth student.pth
_base_ = ['./resnet18_w8_tiny-in.py', '../kd/kd_base.py']

teacher_ckpt = 'work_dirs/resnet34_w8_tiny-in/epoch_4.pth'

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(cfg_path='mmkd::mmpretrain/tiny/resnet18_w8_tiny-in.py'),
    teacher=dict(cfg_path='mmkd::mmpretrain/tiny/resnet34_w8_tiny-in.py'),
    teacher_ckpt=teacher_ckpt,
    distiller=_base_.kd.distiller)

# the run's default scope is mmpretrain's (from the base), so mmkd's types
# carry their scope
custom_hooks = [dict(type='mmkd.EvaluateTeacherHook')]
