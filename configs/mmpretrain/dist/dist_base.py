# DIST (Huang et al., "Knowledge Distillation from A Stronger Teacher",
# NeurIPS 2022) on the logits, MMRazor 1.0's ImageNet setting
# (configs/distill/mmcls/dist/dist_logits_resnet34_resnet18_8xb32_in1k.py:
# DISTLoss(inter_loss_weight=1, intra_loss_weight=1, tau=1,
# loss_weight=2), i.e. mmkd's beta=1, gamma=1).
dist = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['head.fc'],
        teacher_distill_layer=['head.fc'],
        loss=[dict(type='DISTLoss', beta=1.0, gamma=1.0, tau=1.0)],
        weights=[2.0]))
