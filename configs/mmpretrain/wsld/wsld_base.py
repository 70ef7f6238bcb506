# WSLD (Zhou et al., "Rethinking Soft Labels for Knowledge Distillation: A
# Bias-Variance Tradeoff Perspective", ICLR 2021) on the logits, MMRazor
# 1.0's ImageNet setting (configs/distill/mmcls/wsld/
# wsld_logits_resnet34_resnet18_8xb32_in1k.py: WSLD(tau=2, loss_weight=2.5))
# with the ground-truth class of each sample.
wsld = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['head.fc'],
        teacher_distill_layer=['head.fc'],
        loss=[dict(type='WSLDLoss', tau=2.0)],
        weights=[2.5]))
