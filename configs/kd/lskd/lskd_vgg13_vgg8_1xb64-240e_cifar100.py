# Logit standardization KD (Sun et al., "Logit Standardization in Knowledge
# Distillation", CVPR 2024), vgg13 -> vgg8 on CIFAR-100, on the logits (layer
# linear): KD on z-scored logits.
# Loss: CE + 9 * LSKD(tau 3), the authors' CIFAR setting of "KD+Ours" (README:
# --logit-stand --base-temp 2 --kd-weight 9; CE weight 1 in their cfg.py); base
# temperature 3 for this pair, as in the name of its log
# (logs/KD/kd,vgg13,vgg8,3,9.txt).
# Published top-1 (RepDistiller README, last epoch): teacher 74.64, student
# alone 70.36; KD 72.98, KD + logit standardization 74.36
# (logit-standardization-KD README).
#   bash tools/dist_train.sh configs/kd/lskd_vgg13_vgg8.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/vgg13_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_vgg13_vgg8.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['linear'],
        teacher_distill_layer=['linear'],
        loss=[dict(type='LogitStandardKDLoss', tau=3.0)],
        weights=[9.0]))
