# KD from a timm ResNet-18 (mmpretrain's TimmClassifier wrapper) into the
# small mmpretrain ResNet-18, on the generated tiny ImageNet-layout set. The
# teacher's preprocessor states how timm's model was trained (its
# pretrained_cfg: ImageNet mean/std on RGB; here on the 0-255 scale); its
# checkpoint is a plain timm state dict (torch.save(timm.create_model(
# 'resnet18', num_classes=4).state_dict(), path)); distiller layers are
# named inside the wrapper as model.<name>.
#   python tools/train.py configs/mmpretrain/tiny/kd_timm-resnet18-resnet18_tiny-in.py \
#       --cfg-options model.teacher_ckpt=timm_resnet18.pth
_base_ = ['./resnet18_w8_tiny-in.py']

teacher_ckpt = 'checkpoints/timm_resnet18_tiny-in.pth'

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(cfg_path='mmkd::mmpretrain/tiny/resnet18_w8_tiny-in.py'),
    teacher=dict(
        type='mmpretrain.TimmClassifier',
        model_name='resnet18',
        pretrained=False,
        num_classes=4,
        data_preprocessor=dict(
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            to_rgb=True)),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['head.fc'],
        teacher_distill_layer=['model.fc'],
        loss=[dict(type='KDLoss', tau=4.0, loss_weight=1.0)]))

custom_hooks = [dict(type='mmkd.EvaluateTeacherHook')]
