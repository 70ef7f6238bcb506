# OFD (Heo et al., "A Comprehensive Overhaul of Feature Distillation",
# ICCV 2019), the official CIFAR-100 code's setting (no published number for
# these pairs): partial L2 between the student's pre-ReLU feat[1:-1] maps
# through a 1x1 conv + BN connector and the teacher's, clipped at the
# margin E[x | x < 0] of the teacher BN before each ReLU (computed once the
# teacher is loaded); stage i of n weighted 1/2^(n-1-i) / 1000, each summed
# over C, H, W and averaged over the batch: CE + OFD.
ofd = dict(
    type='ConfigurableDistiller', connectors=dict(type='ConvBNConnector'))
ofd_loss = dict(type='OFDLoss')
ofd_weight = 0.001  # the last stage's; halved per stage before it
