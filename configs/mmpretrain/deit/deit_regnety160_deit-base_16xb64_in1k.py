# DeiT-B with a distillation token, hard-distilled from a RegNetY-160 on
# ImageNet-1k (Touvron et al., 2021), as MMRazor 1.0 trains it
# (configs/distill/mmcls/deit/deit-base_regnety160_pt-16xb64_in1k.py): the
# class token learns the labels (label smoothing 0.1, weight 1 - alpha), the
# distillation token the teacher's arg-max class (DeiTLoss, weight alpha =
# 0.5), on the same Mixup/CutMix batch; 16 GPUs x 64 images, AdamW lr 1e-3,
# 300 epochs, mmpretrain's DeiT data and schedule. Predictions average both
# heads' logits (DeiT, mmpretrain). train_dataloader.batch_size is the total,
# which tools/train.py divides over the processes (recipe.total_batch_size).
# Recipe card (sources, published top-1, deviations): metafile.yml; the
# teacher checkpoint is DeiT's, unwrapped once (README.md).
_base_ = ['mmpretrain::deit/deit-base-distilled_16xb64_in1k.py']

teacher_ckpt = 'checkpoints/regnety_160-a5fe301d_state.pth'
alpha = 0.5  # DeiT's --distillation-alpha

# the algorithm's preprocessor mixes the batch once (Mixup 0.8 / CutMix 1.0,
# as the student's train_cfg), so teacher and student see the same images
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
        cfg_path='mmpretrain::deit/deit-base-distilled_16xb64_in1k.py',
        # drop path 0.1: MMRazor's base (mmcls deit-base_pt) and DeiT's
        # default; mmpretrain's distilled config leaves it out
        backbone=dict(
            type='DistilledVisionTransformer',
            arch='deit-base',
            img_size=224,
            patch_size=16,
            drop_path_rate=0.1),
        head=dict(
            type='mmkd.DeiTDistillHead',
            num_classes=1000,
            in_channels=768,
            loss=dict(
                type='LabelSmoothLoss',
                label_smooth_val=0.1,
                mode='original',
                loss_weight=1 - alpha))),
    # timm's RegNetY-160 with DeiT's released teacher weights; it saw the
    # same ImageNet normalisation as the student
    teacher=dict(
        type='mmpretrain.TimmClassifier',
        model_name='regnety_160',
        pretrained=False,
        num_classes=1000,
        data_preprocessor=dict(
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            to_rgb=True)),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['head.layers.head_dist'],
        teacher_distill_layer=['model.head.fc'],
        loss=[dict(type='DeiTLoss', mode='hard', loss_weight=alpha)]))

train_dataloader = dict(batch_size=1024)
recipe = dict(total_batch_size=1024, lr=1e-3, max_epochs=300)
# the EMA of MMRazor's base (mmcls deit-base_pt): validation, test and the
# saved state_dict use the averaged weights
custom_hooks = [
    dict(type='mmpretrain.EMAHook', momentum=4e-5, priority='ABOVE_NORMAL'),
    dict(type='mmkd.EvaluateTeacherHook')
]
