# The tiny version of FT's stage 2 (configs/mmpretrain/ft/, MMRazor's
# setting from ../ft/ft_base.py): CE + FT from the small ResNet-50 into the
# small ResNet-18, with the paraphraser that stage 1
# (./ft_pretrain_resnet50-resnet18_tiny-in.py) trained, frozen: the
# distiller starts from that run's last checkpoint (its distiller.*
# weights). The student's own loss is logged as student.loss, the distill
# loss as distill.loss_s4.
#   python tools/train.py \
#       configs/mmpretrain/tiny/ft_pretrain_resnet50-resnet18_tiny-in.py
#   python tools/train.py configs/mmpretrain/tiny/ft_resnet50-resnet18_tiny-in.py
_base_ = ['./resnet18_w8_tiny-in.py', '../ft/ft_base.py']

teacher_ckpt = 'work_dirs/resnet50_w8_tiny-in/epoch_4.pth'
pretrain_ckpt = 'work_dirs/ft_pretrain_resnet50-resnet18_tiny-in/epoch_4.pth'

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(cfg_path='mmkd::mmpretrain/tiny/resnet18_w8_tiny-in.py'),
    teacher=dict(cfg_path='mmkd::mmpretrain/tiny/resnet50_w8_tiny-in.py'),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['backbone.layer4.1.conv2'],
        teacher_distill_layer=['backbone.layer4.2.conv3'],
        connectors=[
            dict(_base_.ft.translator, in_channels=64, out_channels=256)
        ],
        loss=[dict(_base_.ft.train.loss, in_channels=256)],
        weights=[_base_.ft.train.weight],
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrain_ckpt, prefix='distiller.')))

custom_hooks = [dict(type='mmkd.EvaluateTeacherHook')]
