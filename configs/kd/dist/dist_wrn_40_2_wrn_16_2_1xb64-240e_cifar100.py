# DIST (Huang et al., "Knowledge Distillation from A Stronger Teacher", NeurIPS
# 2022), wrn_40_2 -> wrn_16_2 on CIFAR-100, on the logits (layer linear).
# Loss: CE + 2 * DIST(beta 1, gamma 1, tau 4), the authors' CIFAR setting
# (configs/strategies/distill/dist_cifar.yaml: ori_loss_weight 1,
# kd_loss_weight 2, kd dist_t4); their schedule equals the base one.
# Published top-1 (RepDistiller README, last epoch): teacher 75.61, student
# alone 73.26; DIST: no number for this pair in the DIST_KD README (the source
# read).
#   bash tools/dist_train.sh configs/kd/dist_wrn_40_2_wrn_16_2.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/wrn_40_2_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_wrn_40_2_wrn_16_2.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['linear'],
        teacher_distill_layer=['linear'],
        loss=[dict(type='DISTLoss', beta=1.0, gamma=1.0, tau=4.0)],
        weights=[2.0]))
