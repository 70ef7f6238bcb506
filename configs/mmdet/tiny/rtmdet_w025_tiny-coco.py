# A wider small RTMDet (CSPNeXt, deepen 0.167 / widen 0.25, 128 px images)
# on the generated tiny COCO-format data set: the teacher of the RTMDet
# neck-distillation tests. A plain mmdet config; only the widths differ
# from the student's.
_base_ = ['./rtmdet_w0125_tiny-coco.py']

model = dict(
    backbone=dict(widen_factor=0.25),
    neck=dict(in_channels=[64, 128, 256], out_channels=64),
    bbox_head=dict(in_channels=64, feat_channels=64))
