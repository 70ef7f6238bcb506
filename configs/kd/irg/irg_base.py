# IRG (Liu et al., "Knowledge Distillation via Instance Relationship
# Graph", CVPR 2019) on [layer2, layer3, linear] (vertex on the logits,
# edges on the pooled layer3, layer2 and layer3 maps, transformation
# layer2 -> layer3), weights vert 0.1, edge 5, tran 5, the seed toolkit's
# loss config, with RepDistiller's schedule (no published CIFAR-100 number
# for IRG with it).
irg = dict(
    type='ConfigurableDistiller',
    student_distill_layer=['layer2', 'layer3', 'linear'],
    teacher_distill_layer=['layer2', 'layer3', 'linear'],
    loss=[dict(type='IRGLoss', vert=0.1, edge=5.0, tran=5.0)],
    weights=1.0)
