# ReviewKD (Chen et al., "Distilling Knowledge via Knowledge Review",
# CVPR 2021), the official CIFAR-100 code's setting: ABF fusion of the
# student's feat[1:] (deep to shallow, the pooled embedding the deepest)
# against the same teacher stages, hierarchical context loss, weight from
# CIFAR-100/script/reviewKD.sh where it has the pair (the pair config says),
# ramped up linearly over 20 epochs (--kd-warm-up): CE + w * HCL.
reviewkd = dict(
    loss=dict(type='ReviewKDLoss'),
    hooks=[dict(type='DistillLossWarmupHook', warmup_epochs=20)])
