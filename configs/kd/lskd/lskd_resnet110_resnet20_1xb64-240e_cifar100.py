# Logit standardization KD (Sun et al., "Logit Standardization in Knowledge
# Distillation", CVPR 2024), resnet110 -> resnet20 on CIFAR-100, on the logits
# (layer linear): KD on z-scored logits.
# Loss: CE + 9 * LSKD(tau 2), the authors' CIFAR setting of "KD+Ours" (README:
# --logit-stand --base-temp 2 --kd-weight 9; CE weight 1 in their cfg.py); base
# temperature 2.
# Published top-1 (RepDistiller README, last epoch): teacher 74.31, student
# alone 69.06; KD 70.67, KD + logit standardization 71.48
# (logit-standardization-KD README).
#   bash tools/dist_train.sh configs/kd/lskd_resnet110_resnet20.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet110_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_resnet110_resnet20.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['linear'],
        teacher_distill_layer=['linear'],
        loss=[dict(type='LogitStandardKDLoss', tau=2.0)],
        weights=[9.0]))
