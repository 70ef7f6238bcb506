# AB (Heo et al., "Knowledge Transfer via Distillation of Activation
# Boundaries Formed by Hidden Neurons", AAAI 2019), resnet110 -> resnet20 on
# CIFAR-100: margin-1 activation transfer on pre-ReLU features:
# the input of the last block's ReLU in layer1/2/3 (ModuleInputs on
# `layerK.<last>.relu`, its second call: bn2 output + shortcut),
# student through a 1x1 conv + BN connector (16/32/64 channels).
# Loss: CE + AB, one AB term per stage, each summed over C, H, W and
# averaged over the batch, with loss weights 0.00075, 0.0015, 0.003
# (RepDistiller's 2^(i-2) * 3/1000 per stage, times its -b 1).
# Difference from RepDistiller: there AB only pre-trains the student's
# feature layers and the connector (AB alone for --init_epochs, 30 by
# default), then the 240 epochs use CE only; here CE + AB are trained
# together in one stage for the 240 epochs.
# Published top-1 (RepDistiller README, last epoch): teacher 74.31, student
# alone 69.06, AB 69.53.
#   bash tools/dist_train.sh configs/kd/ab_resnet110_resnet20.py 8 \
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
            dict(type='ABLoss', margin=1.0, loss_weight=0.00075),
            dict(type='ABLoss', margin=1.0, loss_weight=0.0015),
            dict(type='ABLoss', margin=1.0, loss_weight=0.003),
        ]))
