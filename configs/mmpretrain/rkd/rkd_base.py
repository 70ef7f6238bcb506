# RKD (Park et al., "Relational Knowledge Distillation", CVPR 2019) on the
# pooled features (neck.gap), MMRazor 1.0's ImageNet setting
# (configs/distill/mmcls/rkd/rkd_neck_resnet34_resnet18_8xb32_in1k.py:
# DistanceWiseRKD weight 25 + AngleWiseRKD weight 50, both on L2-normalised
# features): mmkd's RKDLoss holds both terms with those weights.
rkd = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['neck.gap'],
        teacher_distill_layer=['neck.gap'],
        loss=[dict(type='RKDLoss', distance_weight=25.0, angle_weight=50.0)],
        weights=[1.0]))
