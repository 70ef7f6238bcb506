# WRN-28-4 on CIFAR-10 as an mmpretrain config: MMRazor 1.0's
# configs/vanilla/mmcls/wide-resnet/wrn28-w4_b16x8_cifar10.py with mmkd's
# WideResNetBackbone (MMRazor's layout and parameter names); the OFD zoo's
# teacher (configs/mmpretrain/ofd/).
_base_ = ['./wrn16-w2_8xb16_cifar10.py']

model = dict(
    backbone=dict(depth=28, widen_factor=4), head=dict(in_channels=256))
