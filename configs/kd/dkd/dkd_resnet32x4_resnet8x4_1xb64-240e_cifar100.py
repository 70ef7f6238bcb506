# DKD (Zhao et al., "Decoupled Knowledge Distillation", CVPR 2022), resnet32x4
# -> resnet8x4 on CIFAR-100, on the logits (layer linear).
# Loss: CE + 1 * DKD(alpha 1, beta 8, tau 4), the DKD weight ramped up linearly
# over the first 20 epochs (mdistiller CFG.DKD: CE_WEIGHT 1, ALPHA 1, T 4,
# WARMUP 20); beta 8, the mdistiller default (res32x4_res8x4.yaml sets none).
# Published top-1 (RepDistiller README, last epoch): teacher 79.42, student
# alone 72.50; DKD 76.32 (mdistiller README).
#   bash tools/dist_train.sh configs/kd/dkd_resnet32x4_resnet8x4.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet32x4_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_resnet32x4_resnet8x4.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['linear'],
        teacher_distill_layer=['linear'],
        loss=[dict(type='DKDLoss', alpha=1.0, beta=8.0, tau=4.0)],
        weights=[1.0]))

custom_hooks = [
    dict(type='EvaluateTeacherHook'),
    dict(type='DistillLossWarmupHook', warmup_epochs=20)
]
