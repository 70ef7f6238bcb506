# DKD (Zhao et al., "Decoupled Knowledge Distillation", CVPR 2022), resnet110
# -> resnet32 on CIFAR-100, on the logits (layer linear).
# Loss: CE + 1 * DKD(alpha 1, beta 2, tau 4), the DKD weight ramped up linearly
# over the first 20 epochs (mdistiller CFG.DKD: CE_WEIGHT 1, ALPHA 1, T 4,
# WARMUP 20); beta 2 from mdistiller configs/cifar100/dkd/res110_res32.yaml.
# Published top-1 (RepDistiller README, last epoch): teacher 74.31, student
# alone 71.14; DKD 74.11 (mdistiller README).
#   bash tools/dist_train.sh configs/kd/dkd_resnet110_resnet32.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet110_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_resnet110_resnet32.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['linear'],
        teacher_distill_layer=['linear'],
        loss=[dict(type='DKDLoss', alpha=1.0, beta=2.0, tau=4.0)],
        weights=[1.0]))

custom_hooks = [
    dict(type='EvaluateTeacherHook'),
    dict(type='DistillLossWarmupHook', warmup_epochs=20)
]
