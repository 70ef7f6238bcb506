# Self-distillation (Be Your Own Teacher, Zhang et al., ICCV 2019) of a
# four-stage student (cnn8x4, 8 channels) on the 8x8 digits: auxiliary heads
# (a conv bottleneck down to the last stage's 2x2 size and a classifier) on
# layer1-3 learn from the labels (x0.7), from the network's own deepest
# classifier (KD at tau 3, 0.3 on the soft cross-entropy) and from its
# deepest feature (L2 hint, 0.03), as in the authors' code
# (configs/self_distill/README.md). The exported student is the plain
# cnn8x4: export_student.py drops the heads.
#   python tools/train.py configs/digits/self_distill_cnn8x4_digits.py
_base_ = [
    '../_base_/datasets/digits_bs64.py', '../_base_/schedules/digits_30e.py',
    '../_base_/default_runtime.py'
]

model = dict(
    type='SelfDistill',
    architecture=dict(
        type='SimpleCNN',
        in_channels=1,
        channels=8,
        num_convs=4,
        num_classes=10),
    # layer1/2 run at 8x8, layer3/4 at 4x4; the deepest feature at 2x2
    aux_heads=[
        dict(source='layer1', in_channels=8, num_downsample=2),
        dict(source='layer2', in_channels=8, num_downsample=2),
        dict(source='layer3', in_channels=8, num_downsample=1)
    ],
    aux_ce_weight=0.7,
    kd_loss=dict(type='KDLoss', tau=3.0, loss_weight=0.3 / 3**2),
    feature_loss=dict(type='L2Loss', reduction='batchmean', loss_weight=0.03))

default_hooks = dict(logger=dict(interval=10))
