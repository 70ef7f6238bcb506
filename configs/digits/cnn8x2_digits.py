# Student of the digits demo: two 3x3 conv layers, 8 channels each.
#   python tools/train.py configs/digits/cnn8x2_digits.py
_base_ = [
    '../_base_/datasets/digits_bs64.py', '../_base_/schedules/digits_30e.py',
    '../_base_/default_runtime.py'
]

model = dict(
    type='SimpleCNN', in_channels=1, channels=8, num_convs=2, num_classes=10)

default_hooks = dict(logger=dict(interval=10))
