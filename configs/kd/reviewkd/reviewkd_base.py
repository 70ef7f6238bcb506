# ReviewKD (Chen et al., "Distilling Knowledge via Knowledge Review",
# CVPR 2021), the official CIFAR-100 code's setting: ABF fusion of the
# student's feat[1:] (deep to shallow, the pooled embedding the deepest)
# against the same teacher stages, hierarchical context loss, weight from
# CIFAR-100/script/reviewKD.sh where it has the pair (the pair config says),
# ramped up linearly over 20 epochs (--kd-warm-up): CE + w * HCL.
# The ramp here rises every iteration (iteration / iterations of 20 epochs);
# the official train.py steps it once per epoch, min(1, epoch / 20) with
# 0-based epochs, so its first epoch has no ReviewKD term at all. Both reach
# the full weight after 20 epochs; DistillLossWarmupHook's per_epoch=True
# steps per epoch but 1-based, (epoch + 1) / 20, as mdistiller does.
reviewkd = dict(type='ConfigurableDistiller', loss=[dict(type='ReviewKDLoss')])
reviewkd_hooks = [dict(type='DistillLossWarmupHook', warmup_epochs=20)]
