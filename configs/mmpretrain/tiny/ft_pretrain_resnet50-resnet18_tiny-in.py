# The tiny version of FT's stage 1 (configs/mmpretrain/ft/, MMRazor's
# setting from ../ft/ft_base.py): only the paraphraser learns, to
# reconstruct the small ResNet-50's layer4 map (256 channels), on the
# generated tiny ImageNet-layout set; the small ResNet-18 (64 channels in
# layer4) and its translator are not trained. The distill loss is logged
# as distill.loss_s4. Stage 2: ./ft_resnet50-resnet18_tiny-in.py.
#   python tools/dataset_converters/make_tiny_imagenet.py data/tiny_imagenet
#   python tools/train.py configs/mmpretrain/tiny/resnet50_w8_tiny-in.py
#   python tools/train.py \
#       configs/mmpretrain/tiny/ft_pretrain_resnet50-resnet18_tiny-in.py
_base_ = ['./resnet18_w8_tiny-in.py', '../ft/ft_base.py']

teacher_ckpt = 'work_dirs/resnet50_w8_tiny-in/epoch_4.pth'

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(cfg_path='mmkd::mmpretrain/tiny/resnet18_w8_tiny-in.py'),
    teacher=dict(cfg_path='mmkd::mmpretrain/tiny/resnet50_w8_tiny-in.py'),
    teacher_ckpt=teacher_ckpt,
    student_loss_weight=0.0,
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['backbone.layer4.1.conv2'],
        teacher_distill_layer=['backbone.layer4.2.conv3'],
        connectors=[
            dict(_base_.ft.translator, in_channels=64, out_channels=256)
        ],
        loss=[dict(_base_.ft.pretrain.loss, in_channels=256)],
        weights=[1.0]))

find_unused_parameters = True
optim_wrapper = dict(paramwise_cfg=_base_.ft.pretrain.paramwise_cfg)
# the run's default scope is mmpretrain's (from the base), so mmkd's types
# carry their scope
custom_hooks = [dict(type='mmkd.EvaluateTeacherHook')]
