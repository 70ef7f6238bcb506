# DKD (Zhao et al., "Decoupled Knowledge Distillation", CVPR 2022) on the
# logits, MMRazor 1.0's ImageNet setting (configs/distill/mmcls/dkd/
# dkd_resnet34_resnet18_8xb32_in1k.py: DKDLoss(tau=1, beta=0.5,
# loss_weight=1), alpha 1 by default) with the ground-truth class of each
# sample. MMRazor's DKDLoss sums over the samples of each process (its
# F.kl_div(..., size_average=False) ignores `reduction`); mmkd's DKDLoss
# averages them, so MMRazor's 32 images per process are its weight 32.
dkd = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['head.fc'],
        teacher_distill_layer=['head.fc'],
        loss=[dict(type='DKDLoss', alpha=1.0, beta=0.5, tau=1.0)],
        weights=[32.0]))
