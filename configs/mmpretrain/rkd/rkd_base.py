# RKD (Park et al., "Relational Knowledge Distillation", CVPR 2019) on the
# pooled features (neck.gap), MMRazor 1.0's ImageNet setting
# (configs/distill/mmcls/rkd/rkd_neck_resnet34_resnet18_8xb32_in1k.py:
# DistanceWiseRKD weight 25 + AngleWiseRKD weight 50, both with_l2_norm):
# mmkd's RKDLoss holds both terms with those weights, on each side's
# features L2-normalised per sample (L2NormalizeConnector, parameter-free,
# on the student and the teacher input) as MMRazor's with_l2_norm does.
rkd = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            feat=dict(type='ModuleOutputs', source='neck.gap')),
        teacher_recorders=dict(
            feat=dict(type='ModuleOutputs', source='neck.gap')),
        connectors=dict(l2_normalize=dict(type='L2NormalizeConnector')),
        distill_losses=dict(
            loss_rkd=dict(
                type='RKDLoss', distance_weight=25.0, angle_weight=50.0)),
        loss_forward_mappings=dict(
            loss_rkd=dict(
                student=dict(
                    recorder='feat',
                    from_student=True,
                    connector='l2_normalize'),
                teacher=dict(
                    recorder='feat',
                    from_student=False,
                    connector='l2_normalize')))))
