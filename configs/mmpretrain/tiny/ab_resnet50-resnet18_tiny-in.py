# The tiny version of AB's stage 2 (configs/mmpretrain/ab/, MMRazor's
# setting from ../ab/ab_base.py): KD from the small ResNet-50 into the small
# ResNet-18 that stage 1 (./ab_pretrain_resnet50-resnet18_tiny-in.py)
# trained, whose last checkpoint's architecture.* weights the student starts
# from. The student's own loss is logged as student.loss, the distill loss
# as distill.loss_kl.
#   python tools/train.py \
#       configs/mmpretrain/tiny/ab_pretrain_resnet50-resnet18_tiny-in.py
#   python tools/train.py \
#       configs/mmpretrain/tiny/ab_resnet50-resnet18_tiny-in.py
_base_ = ['./resnet18_w8_tiny-in.py', '../ab/ab_base.py']

teacher_ckpt = 'work_dirs/resnet50_w8_tiny-in/epoch_4.pth'
pretrain_ckpt = 'work_dirs/ab_pretrain_resnet50-resnet18_tiny-in/epoch_4.pth'

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(
        cfg_path='mmkd::mmpretrain/tiny/resnet18_w8_tiny-in.py',
        init_cfg=dict(
            type='Pretrained',
            checkpoint=pretrain_ckpt,
            prefix='architecture.')),
    teacher=dict(cfg_path='mmkd::mmpretrain/tiny/resnet50_w8_tiny-in.py'),
    teacher_ckpt=teacher_ckpt,
    distiller=_base_.ab.distiller)

custom_hooks = [dict(type='mmkd.EvaluateTeacherHook')]
