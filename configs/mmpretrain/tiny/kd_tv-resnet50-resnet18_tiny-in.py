# KD from a torchvision ResNet-50 (mmkd's TorchvisionClassifier wrapper)
# into the small mmpretrain ResNet-18, on the generated tiny ImageNet-layout
# set. The teacher keeps torchvision's own normalisation (ImageNet mean/std on
# RGB, the wrapper's default) and its checkpoint is a plain torchvision state
# dict (torch.save(torchvision.models.resnet50(num_classes=4).state_dict(),
# path)); distiller layers are named inside the wrapper as model.<name>.
#   python tools/train.py configs/mmpretrain/tiny/kd_tv-resnet50-resnet18_tiny-in.py \
#       --cfg-options model.teacher_ckpt=tv_resnet50.pth
_base_ = ['./resnet18_w8_tiny-in.py']

teacher_ckpt = 'checkpoints/tv_resnet50_tiny-in.pth'

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(cfg_path='mmkd::mmpretrain/tiny/resnet18_w8_tiny-in.py'),
    teacher=dict(
        type='TorchvisionClassifier', model_name='resnet50', num_classes=4),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['head.fc'],
        teacher_distill_layer=['model.fc'],
        loss=[dict(type='KDLoss', tau=4.0, loss_weight=1.0)]))

custom_hooks = [dict(type='mmkd.EvaluateTeacherHook')]
