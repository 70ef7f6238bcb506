# A WRN-16-2 (mmkd's WideResNetBackbone in an mmpretrain classifier, stage
# widths 32-128) on the generated tiny ImageNet-layout set: the teacher of
# the OFD zoo's tiny version.
#   python tools/dataset_converters/make_tiny_imagenet.py data/tiny_imagenet
#   python tools/train.py configs/mmpretrain/tiny/wrn16-w2_tiny-in.py
_base_ = ['./wrn10-w1_tiny-in.py']

model = dict(
    backbone=dict(depth=16, widen_factor=2), head=dict(in_channels=128))
