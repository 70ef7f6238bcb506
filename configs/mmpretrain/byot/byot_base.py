# BYOT (Zhang et al., "Be Your Own Teacher: Improve the Performance of
# Convolutional Neural Networks via Self Distillation", ICCV 2019), the loss
# weights of MMRazor 1.0.0's configs/distill/mmcls/byot/
# byot_resnet18_8xb16_cifar100.py, shared by the config and its tiny
# version: each auxiliary head takes 0.7 x CE to the labels, 0.3 x KL at
# tau 3 (scaled by tau^2, as MMRazor's KLDivergence and mmkd's KDLoss) to
# the deepest classifier's logits and 0.03 x a hint to the deepest pooled
# feature (none on the last head: MMRazor's weight 0 there). MMRazor's
# hint is the square root of the batch's summed squares (L2Loss dist=True);
# mmkd's is the squared distance per sample (a deviation, on the card).
# Each head is MMRazor's (BYOTConnector, expansion 1, as BYOTAuxHead); the
# pair config lists them (their stages and channels).
head = dict(type='BYOTAuxHead')
byot = dict(
    type='SelfDistill',
    classifier='head.fc',
    aux_ce_weight=0.7,
    kd_loss=dict(type='KDLoss', tau=3.0, loss_weight=0.3),
    feature_loss=dict(type='L2Loss', reduction='batchmean', loss_weight=0.03))
