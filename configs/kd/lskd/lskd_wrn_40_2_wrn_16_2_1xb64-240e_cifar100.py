# Logit standardization KD (Sun et al., "Logit Standardization in Knowledge
# Distillation", CVPR 2024), wrn_40_2 -> wrn_16_2 on CIFAR-100, on the logits
# (layer linear): KD on z-scored logits.
# Loss: CE + 9 * LSKD(tau 2), the authors' CIFAR setting of "KD+Ours" (README:
# --logit-stand --base-temp 2 --kd-weight 9; CE weight 1 in their cfg.py); base
# temperature 2.
# Published top-1 (RepDistiller README, last epoch): teacher 75.61, student
# alone 73.26; KD 74.92, KD + logit standardization 76.11
# (logit-standardization-KD README).
#   bash tools/dist_train.sh configs/kd/lskd_wrn_40_2_wrn_16_2.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/wrn_40_2_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_wrn_40_2_wrn_16_2.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['linear'],
        teacher_distill_layer=['linear'],
        loss=[dict(type='LogitStandardKDLoss', tau=2.0)],
        weights=[9.0]))
