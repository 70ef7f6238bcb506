# OFD (Heo, Kim, Yun, Park, Kwak and Choi, "A Comprehensive Overhaul of
# Feature Distillation", ICCV 2019), MMRazor 1.0's CIFAR-10 setting
# (configs/distill/mmcls/ofd/ofd_backbone_resnet50_resnet18_8xb16_cifar10.py,
# a WRN-28-4 -> WRN-16-2 pair despite its name): the outputs of the BNs
# before the ReLUs that start stages 2 and 3 and of the final BN
# (backbone.layer2.0.bn1, backbone.layer3.0.bn1, backbone.bn1), the
# student's through a 1x1 conv + BN connector to the teacher's channels,
# the teacher's clipped at the margin E[x | x < 0] of its own BN (mmkd's
# OFDLoss with teacher_bn: the margins of MMRazor's OFDTeacherConnector),
# partial L2 with CE. MMRazor's OFDLoss divides the sum by the batch and by
# 1000 (mul_factor) and weights the stages 0.25, 0.5, 1: mmkd's OFDLoss
# (sum / batch) with the weights / 1000.
# The pair configs name the channels of their networks.
ofd_layers = ['backbone.layer2.0.bn1', 'backbone.layer3.0.bn1', 'backbone.bn1']
ofd = dict(
    type='ConfigurableDistiller',
    student_distill_layer=ofd_layers,
    teacher_distill_layer=ofd_layers,
    loss=[
        dict(type='OFDLoss', teacher_bn=layer, loss_name=name)
        for layer, name in zip(ofd_layers, ['loss_1', 'loss_2', 'loss_3'])
    ],
    weights=[0.25 / 1000, 0.5 / 1000, 1.0 / 1000])
ofd_connector = dict(
    type='ConvBNConnector', kernel_size=1, norm=True, act=False)
