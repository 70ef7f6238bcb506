# The tiny version of configs/mmpretrain/crd/ (MMRazor's CRD setting, from
# ../crd/crd_base.py): the small ResNet-50 into the small ResNet-18 on the
# generated tiny ImageNet-layout set (32-pixel images, as CIFAR's; the
# memory bank holds its 32 training images: 8 per class). The student's
# own loss is logged as student.loss, the distill loss as distill.loss_crd.
#   python tools/dataset_converters/make_tiny_imagenet.py data/tiny_imagenet
#   python tools/train.py configs/mmpretrain/tiny/resnet50_w8_tiny-in.py
#   python tools/train.py \
#       configs/mmpretrain/tiny/crd_resnet50-resnet18_tiny-in.py
_base_ = ['./resnet18_w8_tiny-in.py', '../crd/crd_base.py']

teacher_ckpt = 'work_dirs/resnet50_w8_tiny-in/epoch_4.pth'

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(cfg_path='mmkd::mmpretrain/tiny/resnet18_w8_tiny-in.py'),
    teacher=dict(cfg_path='mmkd::mmpretrain/tiny/resnet50_w8_tiny-in.py'),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['neck.gap'],
        teacher_distill_layer=['neck.gap'],
        loss=[
            dict(_base_.crd.loss, in_channels=64, out_channels=256, n_data=32)
        ],
        weights=[_base_.crd.weight]))

# the run's default scope is mmpretrain's (from the base), so mmkd's types
# carry their scope
custom_hooks = _base_.crd.hooks + [dict(type='mmkd.EvaluateTeacherHook')]
