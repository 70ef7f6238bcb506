# A larger small PSPNet (ResNetV1c-34-d8 at half the width, 64 px images) on
# the generated tiny segmentation data set: the teacher of the segmentation
# demo and tests. A plain mmseg config; its logits have the student's
# classes and size (both output stride 8), its features twice its widths.
_base_ = ['./pspnet_r18_tiny-seg.py']

model = dict(
    # stage widths 32, 64, 128, 256
    backbone=dict(depth=34, stem_channels=32, base_channels=32),
    decode_head=dict(in_channels=256, channels=64),
    auxiliary_head=dict(in_channels=128, channels=32))
