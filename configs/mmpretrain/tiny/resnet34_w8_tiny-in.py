# A small ResNet-34 (mmpretrain's, stage widths 8-64) on the generated tiny
# ImageNet-layout set: the teacher of the classification tests.
#   python tools/train.py configs/mmpretrain/tiny/resnet34_w8_tiny-in.py
_base_ = ['./resnet18_w8_tiny-in.py']

model = dict(backbone=dict(depth=34))
