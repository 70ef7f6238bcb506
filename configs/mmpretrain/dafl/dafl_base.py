# DAFL (Chen et al., "DAFL: Data-Free Learning of Student Networks", ICCV
# 2019) with the weights of MMRazor 1.0.0's configs/distill/mmcls/dafl/
# dafl_logits_resnet34_resnet18_8xb256_cifar10.py, shared by the config
# and its tiny version: the generator minimises 0.05 x the one-hot loss
# (CE of the teacher's logits to their argmax), - 0.01 x the mean |feature|
# of the teacher's pooled feature (head.fc's input, MMRazor's neck.gap)
# and 5 x the information-entropy loss (log10, the class histogram over the
# batch of every process); the student minimises KL at tau 6 (scaled by
# tau^2, as MMRazor's KLDivergence and mmkd's KDLoss) to the teacher's
# logits on the detached images. Generator: DAFL's, latent 1000, 128 hidden
# channels, BN eps 0.8 (MMRazor's DAFLGenerator defaults).
dafl = dict(
    type='DAFLDistill',
    classifier='head.fc',
    one_hot_weight=0.05,
    activation_weight=0.01,
    entropy_weight=5.0,
    kd_loss=dict(type='KDLoss', tau=6.0),
    generator=dict(
        type='DAFLGenerator',
        latent_dim=1000,
        img_size=32,
        channels=3,
        hidden_channels=128,
        bn_eps=0.8))
