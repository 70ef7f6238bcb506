# A small ResNet-50 (mmpretrain's, bottleneck stages 32-256 channels) on the
# generated tiny ImageNet-layout set: the teacher of the tiny FitNets
# version.
#   python tools/train.py configs/mmpretrain/tiny/resnet50_w8_tiny-in.py
_base_ = ['./resnet18_w8_tiny-in.py']

model = dict(backbone=dict(depth=50), head=dict(in_channels=256))
