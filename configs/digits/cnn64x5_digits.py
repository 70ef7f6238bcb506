# Teacher of the digits demo: five 3x3 conv layers, 64 channels each.
#   python tools/train.py configs/digits/cnn64x5_digits.py
_base_ = [
    '../_base_/datasets/digits_bs64.py', '../_base_/schedules/digits_30e.py',
    '../_base_/default_runtime.py'
]

model = dict(
    type='SimpleCNN', in_channels=1, channels=64, num_convs=5, num_classes=10)

default_hooks = dict(logger=dict(interval=10))
