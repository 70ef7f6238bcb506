# Vanilla KD (Hinton et al., "Distilling the Knowledge in a Neural
# Network", 2015) on the logits, RepDistiller's CIFAR-100 setting
# (scripts/run_cifar_distill.sh: --distill kd -r 0.1 -a 0.9 -b 0):
# 0.1 * CE + 0.9 * KD(tau 4). The pair configs apply it to their networks.
kd = dict(
    type='ConfigurableDistiller',
    student_distill_layer=['linear'],
    teacher_distill_layer=['linear'],
    loss=dict(type='KDLoss', tau=4.0),
    weights=0.9)
kd_ce_weight = 0.1
