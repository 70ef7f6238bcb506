# WSLD (Zhou et al., "Rethinking Soft Labels for Knowledge Distillation: A
# Bias-Variance Tradeoff Perspective", ICLR 2021), wrn_40_2 -> wrn_16_2 on
# CIFAR-100, on the logits (layer linear); labels come from the data samples.
# Loss: CE + 2.5 * WSLD(tau 2), the setting of the official code
# (knowledge_distiller.py, written for ImageNet; there is no CIFAR script).
# Published top-1 (RepDistiller README, last epoch): teacher 75.61, student
# alone 73.26. WSLD: no CIFAR-100 number in the sources read (the official
# README reports ImageNet only).
#   bash tools/dist_train.sh configs/kd/wsld_wrn_40_2_wrn_16_2.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/wrn_40_2_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_wrn_40_2_wrn_16_2.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['linear'],
        teacher_distill_layer=['linear'],
        loss=[dict(type='WSLDLoss', tau=2.0)],
        weights=[2.5]))
