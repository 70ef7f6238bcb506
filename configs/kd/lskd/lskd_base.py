# Logit-standardised KD (Sun et al., "Logit Standardization in Knowledge
# Distillation", CVPR 2024), the authors' CIFAR-100 "KD+Ours" setting
# (logit-standardization-KD: mdistiller/engine/cfg.py CFG.KD.LOSS.CE_WEIGHT
# 0.1; tools/train.py --logit-stand --base-temp 2 --kd-weight 9; the pair's
# yaml: batch 64, lr 0.05, 240 epochs, wd 5e-4): 0.1 * CE + 9 * KD on
# z-scored logits at base temperature 2. Where a pair's published number
# comes from a run with other values (the log named in its README link,
# logs/KD/kd,<teacher>,<student>,<T>,<weight>.txt), the pair config uses
# that run's values.
lskd = dict(
    type='ConfigurableDistiller',
    student_distill_layer=['linear'],
    teacher_distill_layer=['linear'],
    loss=dict(type='LogitStandardKDLoss', tau=2.0),
    weights=9.0)
lskd_ce_weight = 0.1
