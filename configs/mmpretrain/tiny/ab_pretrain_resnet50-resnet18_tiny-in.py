# The tiny version of AB's stage 1 (configs/mmpretrain/ab/, MMRazor's
# setting from ../ab/ab_base.py): the AB loss alone from the small
# ResNet-50 into the small ResNet-18 on the generated tiny ImageNet-layout
# set, the connectors sized for their stages (student 8-64, teacher 32-256
# channels). The distill losses are logged as distill.loss_s1 ...
# distill.loss_s4. Stage 2: ./ab_resnet50-resnet18_tiny-in.py.
#   python tools/dataset_converters/make_tiny_imagenet.py data/tiny_imagenet
#   python tools/train.py configs/mmpretrain/tiny/resnet50_w8_tiny-in.py
#   python tools/train.py \
#       configs/mmpretrain/tiny/ab_pretrain_resnet50-resnet18_tiny-in.py
_base_ = ['./resnet18_w8_tiny-in.py', '../ab/ab_base.py']

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
        student_distill_layer=_base_.ab.pretrain.student_layers,
        teacher_distill_layer=[
            'backbone.layer1.2.conv3', 'backbone.layer2.3.conv3',
            'backbone.layer3.5.conv3', 'backbone.layer4.2.conv3'
        ],
        connectors=[
            dict(_base_.ab.pretrain.connector, in_channels=8, out_channels=32),
            dict(
                _base_.ab.pretrain.connector, in_channels=16, out_channels=64),
            dict(
                _base_.ab.pretrain.connector, in_channels=32,
                out_channels=128),
            dict(
                _base_.ab.pretrain.connector, in_channels=64, out_channels=256)
        ],
        loss=_base_.ab.pretrain.loss,
        weights=_base_.ab.pretrain.weights))

# the run's default scope is mmpretrain's (from the base), so mmkd's types
# carry their scope
custom_hooks = [dict(type='mmkd.EvaluateTeacherHook')]
