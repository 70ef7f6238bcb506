# DKD (Zhao et al., "Decoupled Knowledge Distillation", CVPR 2022),
# mdistiller's CIFAR-100 setting (mdistiller/engine/cfg.py CFG.DKD: CE
# weight 1, alpha 1, beta 8 unless the pair's yaml says otherwise, T 4,
# warm-up 20 epochs; the RepDistiller schedule, batch 64, lr 0.05):
# CE + DKD(alpha 1, beta, tau 4) on the logits, its weight ramped up
# linearly over the first 20 epochs, once per epoch as mdistiller's
# min(epoch / 20, 1). The pair configs set beta.
dkd = dict(
    type='ConfigurableDistiller',
    student_distill_layer=['linear'],
    teacher_distill_layer=['linear'],
    loss=dict(type='DKDLoss', alpha=1.0, tau=4.0),
    weights=1.0)
dkd_hooks = [
    dict(type='DistillLossWarmupHook', warmup_epochs=20, per_epoch=True)
]
