# The tiny version of configs/mmpretrain/fitnets/ (MMRazor's FitNets
# setting, from ../fitnets/fitnets_base.py): the small ResNet-50 into the
# small ResNet-18 on the generated tiny ImageNet-layout set, the connectors
# sized for their stages (student 32/64, teacher 128/256 channels). The
# student's own loss is logged as student.loss, the distill losses as
# distill.loss_s3, distill.loss_s4 and distill.loss_kl.
#   python tools/dataset_converters/make_tiny_imagenet.py data/tiny_imagenet
#   python tools/train.py configs/mmpretrain/tiny/resnet50_w8_tiny-in.py
#   python tools/train.py configs/mmpretrain/tiny/fitnets_resnet50-resnet18_tiny-in.py
_base_ = ['./resnet18_w8_tiny-in.py', '../fitnets/fitnets_base.py']

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
        student_distill_layer=_base_.fitnets.student_layers,
        teacher_distill_layer=_base_.fitnets.teacher_layers,
        connectors=[
            dict(_base_.fitnets.connector, in_channels=32, out_channels=128),
            dict(_base_.fitnets.connector, in_channels=64, out_channels=256),
            None
        ],
        loss=_base_.fitnets.loss,
        weights=_base_.fitnets.weights))

# the run's default scope is mmpretrain's (from the base), so mmkd's types
# carry their scope
custom_hooks = [dict(type='mmkd.EvaluateTeacherHook')]
