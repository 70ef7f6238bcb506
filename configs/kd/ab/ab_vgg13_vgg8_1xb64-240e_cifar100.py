# AB (Heo et al., "Knowledge Transfer via Distillation of Activation
# Boundaries Formed by Hidden Neurons", AAAI 2019), vgg13 -> vgg8 on
# CIFAR-100: margin-1 activation transfer on pre-ReLU features:
# the output of the last BN of layer2..layer5 (before its ReLU;
# `layerK.4` in vgg13, `layerK.1` in vgg8),
# student through a 1x1 conv + BN connector (128/256/512/512 channels).
# Loss: CE + AB, one AB term per stage, each summed over C, H, W and
# averaged over the batch, with loss weights 0.000375, 0.00075, 0.0015, 0.003
# (RepDistiller's 2^(i-3) * 3/1000 per stage, times its -b 1).
# Difference from RepDistiller: there AB only pre-trains the student's
# feature layers and the connector (AB alone for --init_epochs, 30 by
# default), then the 240 epochs use CE only; here CE + AB are trained
# together in one stage for the 240 epochs.
# Published top-1 (RepDistiller README, last epoch): teacher 74.64, student
# alone 70.36, AB 70.94.
#   bash tools/dist_train.sh configs/kd/ab_vgg13_vgg8.py 8 \
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
            dict(type='ABLoss', margin=1.0, loss_weight=0.000375),
            dict(type='ABLoss', margin=1.0, loss_weight=0.00075),
            dict(type='ABLoss', margin=1.0, loss_weight=0.0015),
            dict(type='ABLoss', margin=1.0, loss_weight=0.003),
        ]))
