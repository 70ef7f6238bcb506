# OFD (Heo et al., "A Comprehensive Overhaul of Feature Distillation",
# ICCV 2019), wrn_40_2 -> wrn_16_2 on CIFAR-100: partial L2 between the
# connector (1x1 conv + BN) output of the student and the margin-clipped
# teacher, on pre-ReLU features:
# the BN-ed stage outputs before their ReLU:
# `layer2.0.bn1`, `layer3.0.bn1`, `bn1` (the pre-activation blocks apply
# BN + ReLU at the start of the next stage).
# Margins from the teacher BN before each ReLU (the same BNs; for ResNets
# the block's bn2, as the official code), computed once the teacher is loaded.
# Loss: CE + OFD, each term summed over C, H, W and averaged over the
# batch, with loss weights 0.00025, 0.0005, 0.001: the official
# CIFAR-100 code's 1/1000 with stage weights 1/2^(stages-1-i).
# Published top-1 (RepDistiller README, last epoch): teacher 75.61, student
# alone 73.26; OFD: no number for this pair in the sources read (RepDistiller
# and mdistiller READMEs have no OFD row; the official OFD README reports
# WRN-28-4 / PyramidNet settings only).
#   bash tools/dist_train.sh configs/kd/ofd_wrn_40_2_wrn_16_2.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/wrn_40_2_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_wrn_40_2_wrn_16_2.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=[
            'layer2.0.bn1',
            'layer3.0.bn1',
            'bn1',
        ],
        teacher_distill_layer=[
            'layer2.0.bn1',
            'layer3.0.bn1',
            'bn1',
        ],
        connectors=[
            dict(type='ConvBNConnector', in_channels=32, out_channels=32),
            dict(type='ConvBNConnector', in_channels=64, out_channels=64),
            dict(type='ConvBNConnector', in_channels=128, out_channels=128),
        ],
        loss=[
            dict(
                type='OFDLoss', teacher_bn='layer2.0.bn1',
                loss_weight=0.00025),
            dict(
                type='OFDLoss', teacher_bn='layer3.0.bn1',
                loss_weight=0.0005),
            dict(type='OFDLoss', teacher_bn='bn1', loss_weight=0.001),
        ]))
