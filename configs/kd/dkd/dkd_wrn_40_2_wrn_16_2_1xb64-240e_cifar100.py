# DKD (Zhao et al., "Decoupled Knowledge Distillation", CVPR 2022), wrn_40_2 ->
# wrn_16_2 on CIFAR-100, on the logits (layer linear).
# Loss: CE + 1 * DKD(alpha 1, beta 6, tau 4), the DKD weight ramped up linearly
# over the first 20 epochs (mdistiller CFG.DKD: CE_WEIGHT 1, ALPHA 1, T 4,
# WARMUP 20); beta 6 from mdistiller
# configs/cifar100/dkd/wrn40_2_wrn_16_2.yaml.
# Published top-1 (RepDistiller README, last epoch): teacher 75.61, student
# alone 73.26; DKD 76.23 (mdistiller README).
#   bash tools/dist_train.sh configs/kd/dkd_wrn_40_2_wrn_16_2.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/wrn_40_2_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_wrn_40_2_wrn_16_2.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['linear'],
        teacher_distill_layer=['linear'],
        loss=[dict(type='DKDLoss', alpha=1.0, beta=6.0, tau=4.0)],
        weights=[1.0]))

custom_hooks = [
    dict(type='EvaluateTeacherHook'),
    dict(type='DistillLossWarmupHook', warmup_epochs=20)
]
