# FitNets (Romero et al., "FitNets: Hints for Thin Deep Nets", ICLR 2015)
# with KD on the logits, MMRazor 1.0's ImageNet setting
# (configs/distill/mmcls/fitnets/
# fitnets_backbone_logits_resnet50_resnet18_8xb32_in1k.py):
# - hints on the outputs of the last two stages (MMRazor records the last
#   block's last ReLU call, the same tensor as the stage's output), each
#   student feature through a 1x1 conv + BN (ConvModuleConnector with
#   norm_cfg BN, no activation): L2 (MMRazor's L2Loss: features normalised
#   per sample, squared distance summed per sample, averaged over the
#   batch), weight 10 each;
# - KD on head.fc: MMRazor's KLDivergence(tau=6, loss_weight=10,
#   reduction='mean') also averages over the 1000 classes, which is mmkd's
#   KDLoss (batch mean) with weight 10 / 1000.
# The pair config names the channels of its networks.
fitnets = dict(
    student_layers=['backbone.layer3', 'backbone.layer4', 'head.fc'],
    teacher_layers=['backbone.layer3', 'backbone.layer4', 'head.fc'],
    connector=dict(
        type='ConvBNConnector', kernel_size=1, norm=True, act=False),
    loss=[
        dict(
            type='L2Loss',
            normalize=True,
            reduction='batchmean',
            loss_name='loss_s3'),
        dict(
            type='L2Loss',
            normalize=True,
            reduction='batchmean',
            loss_name='loss_s4'),
        dict(type='KDLoss', tau=6.0, loss_name='loss_kl')
    ],
    weights=[10.0, 10.0, 0.01])
