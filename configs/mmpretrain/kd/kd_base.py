# Vanilla KD (Hinton et al., "Distilling the Knowledge in a Neural
# Network", 2015) on the logits, MMRazor 1.0's ImageNet setting
# (configs/distill/mmcls/kd/*.py): CE + 3 * KD(tau 1) on head.fc, where KD
# is tau^2 * KL(teacher || student) averaged over the batch (MMRazor's
# KLDivergence, reduction='batchmean'). The pair configs and the tiny
# version apply it to their networks.
kd = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['head.fc'],
        teacher_distill_layer=['head.fc'],
        loss=[dict(type='KDLoss', tau=1.0)],
        weights=[3.0]))
