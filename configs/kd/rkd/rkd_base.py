# RKD (Park et al., "Relational Knowledge Distillation", CVPR 2019),
# RepDistiller's CIFAR-100 setting (--distill rkd -a 0 -b 1): on feat[-1]
# (the pooled embedding), distance-wise (25) + angle-wise (50) Huber terms:
# CE + 1 * RKD.
rkd = dict(
    type='ConfigurableDistiller',
    student_distill_layer=['avgpool'],
    teacher_distill_layer=['avgpool'],
    loss=dict(type='RKDLoss', distance_weight=25.0, angle_weight=50.0),
    weights=1.0)
