# OFD (Heo et al., "A Comprehensive Overhaul of Feature Distillation",
# ICCV 2019), vgg13 -> vgg8 on CIFAR-100: partial L2 between the
# connector (1x1 conv + BN) output of the student and the margin-clipped
# teacher, on pre-ReLU features:
# the output of the last BN of layer2..layer5 (before its ReLU;
# `layerK.4` in vgg13, `layerK.1` in vgg8).
# Margins from the teacher BN before each ReLU (the same BNs; for ResNets
# the block's bn2, as the official code), computed once the teacher is loaded.
# Loss: CE + OFD, each term summed over C, H, W and averaged over the
# batch, with loss weights 0.000125, 0.00025, 0.0005, 0.001: the official
# CIFAR-100 code's 1/1000 with stage weights 1/2^(stages-1-i).
# Published top-1 (RepDistiller README, last epoch): teacher 74.64, student
# alone 70.36; OFD: no number for this pair in the sources read (RepDistiller
# and mdistiller READMEs have no OFD row; the official OFD README reports
# WRN-28-4 / PyramidNet settings only).
#   bash tools/dist_train.sh configs/kd/ofd_vgg13_vgg8.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/vgg13_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_vgg13_vgg8.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=[
            'layer2.1',
            'layer3.1',
            'layer4.1',
            'layer5.1',
        ],
        teacher_distill_layer=[
            'layer2.4',
            'layer3.4',
            'layer4.4',
            'layer5.4',
        ],
        connectors=[
            dict(type='ConvBNConnector', in_channels=128, out_channels=128),
            dict(type='ConvBNConnector', in_channels=256, out_channels=256),
            dict(type='ConvBNConnector', in_channels=512, out_channels=512),
            dict(type='ConvBNConnector', in_channels=512, out_channels=512),
        ],
        loss=[
            dict(type='OFDLoss', teacher_bn='layer2.4', loss_weight=0.000125),
            dict(type='OFDLoss', teacher_bn='layer3.4', loss_weight=0.00025),
            dict(type='OFDLoss', teacher_bn='layer4.4', loss_weight=0.0005),
            dict(type='OFDLoss', teacher_bn='layer5.4', loss_weight=0.001),
        ]))
