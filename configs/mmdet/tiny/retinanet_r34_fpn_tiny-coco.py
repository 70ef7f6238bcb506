# A small RetinaNet (ResNet-34 + FPN, 128 px images) on the generated tiny
# COCO-format data set: the teacher of the one-stage detection tests. A
# plain mmdet config; ResNet-34's stages have ResNet-18's widths, so only the
# depth changes.
_base_ = ['./retinanet_r18_fpn_tiny-coco.py']

model = dict(backbone=dict(depth=34))
