# A small RetinaNet (ResNet-18 + FPN, 128 px images) on the generated tiny
# COCO-format data set (tools/dataset_converters/make_tiny_coco.py), boxes
# only. A plain mmdet config: the student of the one-stage detection tests.
_base_ = [
    'mmdet::_base_/models/retinanet_r50_fpn.py',
    './_base_/tiny_coco_detection.py'
]

model = dict(
    backbone=dict(depth=18, frozen_stages=-1, norm_eval=False, init_cfg=None),
    neck=dict(in_channels=[64, 128, 256, 512], out_channels=64),
    bbox_head=dict(
        num_classes=3, in_channels=64, feat_channels=64, stacked_convs=2),
    # the focal-loss prior starts every score at 0.01: a lower threshold
    # than RetinaNet's 0.05 lets a one-epoch model report boxes at all
    test_cfg=dict(score_thr=0.001))

optim_wrapper = dict(
    optimizer=dict(lr=0.01), clip_grad=dict(max_norm=35, norm_type=2))
