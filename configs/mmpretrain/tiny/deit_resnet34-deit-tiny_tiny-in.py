# DeiT's hard distillation (Touvron et al., 2021) from the small ResNet-34
# into the tiny distilled vision transformer, on the generated tiny
# ImageNet-layout set: the class token learns the labels (label smoothing,
# weight 1 - alpha), the distillation token the teacher's arg-max class
# (DeiTLoss, weight alpha = 0.5), both on the same Mixup/CutMix batch; the
# test-time prediction averages both heads' logits. The full-size recipe is
# configs/mmpretrain/deit/.
#   python tools/dataset_converters/make_tiny_imagenet.py data/tiny_imagenet
#   python tools/train.py configs/mmpretrain/tiny/resnet34_w8_tiny-in.py
#   python tools/train.py configs/mmpretrain/tiny/deit_resnet34-deit-tiny_tiny-in.py
#   python tools/test.py configs/mmpretrain/tiny/deit_resnet34-deit-tiny_tiny-in.py \
#       work_dirs/deit_resnet34-deit-tiny_tiny-in/epoch_4.pth
_base_ = ['./deit-tiny-distilled_w16_tiny-in.py']

teacher_ckpt = 'work_dirs/resnet34_w8_tiny-in/epoch_4.pth'
alpha = 0.5  # DeiT's distillation weight

# Mixup/CutMix as DeiT: the algorithm's preprocessor mixes the batch once,
# so teacher and student see the same mixed images (a student's own
# train_cfg augments would not reach it)
data_preprocessor = dict(
    type='mmpretrain.ClsDataPreprocessor',
    batch_augments=dict(augments=[
        dict(type='Mixup', alpha=0.8),
        dict(type='CutMix', alpha=1.0)
    ]))

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(
        cfg_path='mmkd::mmpretrain/tiny/deit-tiny-distilled_w16_tiny-in.py',
        head=dict(
            type='mmkd.DeiTDistillHead',
            num_classes=4,
            in_channels=16,
            loss=dict(
                type='LabelSmoothLoss',
                label_smooth_val=0.1,
                mode='original',
                loss_weight=1 - alpha))),
    teacher=dict(cfg_path='mmkd::mmpretrain/tiny/resnet34_w8_tiny-in.py'),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['head.layers.head_dist'],
        teacher_distill_layer=['head.fc'],
        loss=[dict(type='DeiTLoss', mode='hard', loss_weight=alpha)]))
