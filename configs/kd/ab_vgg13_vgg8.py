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
_base_ = '../_base_/distill/cifar100_vgg13_vgg8.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            pre1=dict(type='ModuleOutputs', source='layer2.1'),
            pre2=dict(type='ModuleOutputs', source='layer3.1'),
            pre3=dict(type='ModuleOutputs', source='layer4.1'),
            pre4=dict(type='ModuleOutputs', source='layer5.1'),
        ),
        teacher_recorders=dict(
            pre1=dict(type='ModuleOutputs', source='layer2.4'),
            pre2=dict(type='ModuleOutputs', source='layer3.4'),
            pre3=dict(type='ModuleOutputs', source='layer4.4'),
            pre4=dict(type='ModuleOutputs', source='layer5.4'),
        ),
        connectors=dict(
            connector1=dict(
                type='ConvBNConnector', in_channels=128, out_channels=128),
            connector2=dict(
                type='ConvBNConnector', in_channels=256, out_channels=256),
            connector3=dict(
                type='ConvBNConnector', in_channels=512, out_channels=512),
            connector4=dict(
                type='ConvBNConnector', in_channels=512, out_channels=512),
        ),
        distill_losses=dict(
            loss_ab_1=dict(type='ABLoss', margin=1.0, loss_weight=0.000375),
            loss_ab_2=dict(type='ABLoss', margin=1.0, loss_weight=0.00075),
            loss_ab_3=dict(type='ABLoss', margin=1.0, loss_weight=0.0015),
            loss_ab_4=dict(type='ABLoss', margin=1.0, loss_weight=0.003),
        ),
        loss_forward_mappings=dict(
            loss_ab_1=dict(
                student=dict(
                    recorder='pre1', from_student=True,
                    connector='connector1'),
                teacher=dict(
                    recorder='pre1', from_student=False)),
            loss_ab_2=dict(
                student=dict(
                    recorder='pre2', from_student=True,
                    connector='connector2'),
                teacher=dict(
                    recorder='pre2', from_student=False)),
            loss_ab_3=dict(
                student=dict(
                    recorder='pre3', from_student=True,
                    connector='connector3'),
                teacher=dict(
                    recorder='pre3', from_student=False)),
            loss_ab_4=dict(
                student=dict(
                    recorder='pre4', from_student=True,
                    connector='connector4'),
                teacher=dict(
                    recorder='pre4', from_student=False)),
        )))
