# ICKD-C (Liu et al., "Exploring Inter-Channel Correlation for
# Diversity-preserved Knowledge Distillation", ICCV 2021), the authors'
# CIFAR-100 setting without KL (ICKD repository, Cifar100): on feat[-2],
# the student's through a 1x1 conv + BN connector, inter-channel
# correlation MSE: CE + 2.5 * ICKD.
ickd = dict(
    type='ConfigurableDistiller',
    connectors=dict(type='ConvBNConnector'),
    loss=dict(type='ICKDLoss'),
    weights=2.5)
