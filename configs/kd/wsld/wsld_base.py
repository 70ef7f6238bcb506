# WSLD (Zhou et al., "Rethinking Soft Labels for Knowledge Distillation: A
# Bias-Variance Tradeoff Perspective", ICLR 2021): the official code's
# setting (knowledge_distiller.py, written for ImageNet; no CIFAR script):
# CE + 2.5 * WSLD(tau 2) on the logits, labels from the data samples, with
# RepDistiller's CIFAR schedule (no published CIFAR-100 number).
wsld = dict(
    type='ConfigurableDistiller',
    student_distill_layer=['linear'],
    teacher_distill_layer=['linear'],
    loss=dict(type='WSLDLoss', tau=2.0),
    weights=2.5)
