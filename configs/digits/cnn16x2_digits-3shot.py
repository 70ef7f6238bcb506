# Student of the digits demo, alone: two 3x3 conv layers of 16 channels
# (2.6k parameters; the cnn64x5 teacher has 150k) trained on only 3 labelled
# images per digit (30 in all), 30 epochs of 20 passes over them.
#   python tools/train.py configs/digits/cnn16x2_digits-3shot.py
_base_ = [
    '../_base_/datasets/digits_3shot_bs64.py',
    '../_base_/schedules/digits_30e.py', '../_base_/default_runtime.py'
]

model = dict(
    type='SimpleCNN', in_channels=1, channels=16, num_convs=2, num_classes=10)

default_hooks = dict(logger=dict(interval=10))
