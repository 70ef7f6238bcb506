# DIST (Huang et al., "Knowledge Distillation from A Stronger Teacher",
# NeurIPS 2022), the authors' CIFAR setting (DIST_KD
# configs/strategies/distill/dist_cifar.yaml: ori_loss_weight 1,
# kd_loss_weight 2, dist_t4): CE + 2 * DIST(beta 1, gamma 1, tau 4) on the
# logits; their CIFAR schedule is RepDistiller's.
dist = dict(
    type='ConfigurableDistiller',
    student_distill_layer=['linear'],
    teacher_distill_layer=['linear'],
    loss=dict(type='DISTLoss', beta=1.0, gamma=1.0, tau=4.0),
    weights=2.0)
