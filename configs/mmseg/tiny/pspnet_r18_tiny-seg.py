# A small PSPNet (ResNetV1c-18-d8 at a quarter of the width, 64 px images)
# on the generated tiny segmentation data set (tools/dataset_converters/
# make_tiny_seg.py). A plain mmseg config with plain BN (CPU and 2-process
# gloo runs): the student of the segmentation demo and tests, and the config
# mmseg's own tools load the exported student with.
_base_ = ['mmseg::_base_/models/pspnet_r50-d8.py', './_base_/tiny_seg.py']

norm_cfg = dict(type='BN', requires_grad=True)
# top level too, as mmseg's configs: the runner hands it to the distillation
# model, whose student otherwise gets the base's (without a size)
crop_size = (64, 64)
data_preprocessor = dict(size=crop_size)
model = dict(
    pretrained=None,
    data_preprocessor=data_preprocessor,
    # stage widths 16, 32, 64, 128 (base_channels 16); output stride 8
    backbone=dict(
        depth=18, stem_channels=16, base_channels=16, norm_cfg=norm_cfg),
    decode_head=dict(
        in_channels=128, channels=32, num_classes=4, norm_cfg=norm_cfg),
    auxiliary_head=dict(
        in_channels=64, channels=16, num_classes=4, norm_cfg=norm_cfg))
