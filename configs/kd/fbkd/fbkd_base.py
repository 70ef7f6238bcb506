# FBKD (Zhang & Ma, "Improve Object Detection with Feature-based
# Knowledge Distillation: Towards Accurate and Efficient Detectors", ICLR
# 2021) is a detection method; these CIFAR-100 configs are this toolkit's
# own setting (no published CIFAR number): attention-guided + non-local
# distillation on the first three feat[1:-1] maps, one FBKDLoss per stage
# with the official code's term weights (7e-5 masked feature, 4e-3
# attention, 7e-5 non-local, tau 0.5), RepDistiller's schedule.
fbkd = dict(
    type='ConfigurableDistiller', loss=dict(type='FBKDLoss'), weights=1.0)
