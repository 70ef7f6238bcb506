# WSLD (Zhou et al., "Rethinking Soft Labels for Knowledge Distillation: A
# Bias-Variance Tradeoff Perspective", ICLR 2021), resnet110 -> resnet32 on
# CIFAR-100, on the logits (layer linear); labels come from the data samples.
# Loss: CE + 2.5 * WSLD(tau 2), the setting of the official code
# (knowledge_distiller.py, written for ImageNet; there is no CIFAR script).
# Published top-1 (RepDistiller README, last epoch): teacher 74.31, student
# alone 71.14. WSLD: no CIFAR-100 number in the sources read (the official
# README reports ImageNet only).
#   bash tools/dist_train.sh configs/kd/wsld_resnet110_resnet32.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet110_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_resnet110_resnet32.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['linear'],
        teacher_distill_layer=['linear'],
        loss=[dict(type='WSLDLoss', tau=2.0)],
        weights=[2.5]))
