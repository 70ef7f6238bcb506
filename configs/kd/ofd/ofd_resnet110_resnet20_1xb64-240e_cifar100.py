# OFD (Heo et al., "A Comprehensive Overhaul of Feature Distillation",
# ICCV 2019), resnet110 -> resnet20 on CIFAR-100: partial L2 between the
# connector (1x1 conv + BN) output of the student and the margin-clipped
# teacher, on pre-ReLU features:
# the input of the last block's ReLU in layer1/2/3 (ModuleInputs on
# `layerK.<last>.relu`, its second call: bn2 output + shortcut).
# Margins from the teacher BN before each ReLU (the same BNs; for ResNets
# the block's bn2, as the official code), computed once the teacher is loaded.
# Loss: CE + OFD, each term summed over C, H, W and averaged over the
# batch, with loss weights 0.00025, 0.0005, 0.001: the official
# CIFAR-100 code's 1/1000 with stage weights 1/2^(stages-1-i).
# Published top-1 (RepDistiller README, last epoch): teacher 74.31, student
# alone 69.06; OFD: no number for this pair in the sources read (RepDistiller
# and mdistiller READMEs have no OFD row; the official OFD README reports
# WRN-28-4 / PyramidNet settings only).
#   bash tools/dist_train.sh configs/kd/ofd_resnet110_resnet20.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet110_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_resnet110_resnet20.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=[
            dict(
                type='ModuleInputs', source='layer1.2.relu', record_idx=1,
                data_idx=0),
            dict(
                type='ModuleInputs', source='layer2.2.relu', record_idx=1,
                data_idx=0),
            dict(
                type='ModuleInputs', source='layer3.2.relu', record_idx=1,
                data_idx=0),
        ],
        teacher_distill_layer=[
            dict(
                type='ModuleInputs', source='layer1.17.relu', record_idx=1,
                data_idx=0),
            dict(
                type='ModuleInputs', source='layer2.17.relu', record_idx=1,
                data_idx=0),
            dict(
                type='ModuleInputs', source='layer3.17.relu', record_idx=1,
                data_idx=0),
        ],
        connectors=[
            dict(type='ConvBNConnector', in_channels=16, out_channels=16),
            dict(type='ConvBNConnector', in_channels=32, out_channels=32),
            dict(type='ConvBNConnector', in_channels=64, out_channels=64),
        ],
        loss=[
            dict(
                type='OFDLoss', teacher_bn='layer1.17.bn2',
                loss_weight=0.00025),
            dict(
                type='OFDLoss', teacher_bn='layer2.17.bn2',
                loss_weight=0.0005),
            dict(
                type='OFDLoss', teacher_bn='layer3.17.bn2',
                loss_weight=0.001),
        ]))
