# AB (Heo et al., "Knowledge Transfer via Distillation of Activation
# Boundaries Formed by Hidden Neurons", AAAI 2019), wrn_40_2 -> wrn_16_2 on
# CIFAR-100: margin-1 activation transfer on pre-ReLU features:
# the BN-ed stage outputs before their ReLU:
# `layer2.0.bn1`, `layer3.0.bn1`, `bn1` (the pre-activation blocks apply
# BN + ReLU at the start of the next stage),
# student through a 1x1 conv + BN connector (32/64/128 channels).
# Loss: CE + AB, one AB term per stage, each summed over C, H, W and
# averaged over the batch, with loss weights 0.00075, 0.0015, 0.003
# (RepDistiller's 2^(i-2) * 3/1000 per stage, times its -b 1).
# Difference from RepDistiller: there AB only pre-trains the student's
# feature layers and the connector (AB alone for --init_epochs, 30 by
# default), then the 240 epochs use CE only; here CE + AB are trained
# together in one stage for the 240 epochs.
# Published top-1 (RepDistiller README, last epoch): teacher 75.61, student
# alone 73.26, AB 72.50.
#   bash tools/dist_train.sh configs/kd/ab_wrn_40_2_wrn_16_2.py 8 \
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
            dict(type='ABLoss', margin=1.0, loss_weight=0.00075),
            dict(type='ABLoss', margin=1.0, loss_weight=0.0015),
            dict(type='ABLoss', margin=1.0, loss_weight=0.003),
        ]))
