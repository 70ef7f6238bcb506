# A second, smaller teacher for the digits demos of several teachers: three
# 3x3 conv layers, 32 channels each.
#   python tools/train.py configs/digits/cnn32x3_digits.py
_base_ = ['./cnn64x5_digits.py']

model = dict(channels=32, num_convs=3)
