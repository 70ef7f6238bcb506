# Logit standardization KD (Sun et al., "Logit Standardization in Knowledge
# Distillation", CVPR 2024), resnet32x4 -> resnet8x4 on CIFAR-100, on the
# logits (layer linear): KD on z-scored logits.
# Loss: CE + 9 * LSKD(tau 2), the authors' CIFAR setting of "KD+Ours" (README:
# --logit-stand --base-temp 2 --kd-weight 9; CE weight 1 in their cfg.py); base
# temperature 2.
# Published top-1 (RepDistiller README, last epoch): teacher 79.42, student
# alone 72.50; KD 73.33, KD + logit standardization 76.62
# (logit-standardization-KD README).
#   bash tools/dist_train.sh configs/kd/lskd_resnet32x4_resnet8x4.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet32x4_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_resnet32x4_resnet8x4.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['linear'],
        teacher_distill_layer=['linear'],
        loss=[dict(type='LogitStandardKDLoss', tau=2.0)],
        weights=[9.0]))
