# AB (Heo et al., "Knowledge Transfer via Distillation of Activation
# Boundaries Formed by Hidden Neurons", AAAI 2019), MMRazor 1.0's two-stage
# ImageNet setting (configs/distill/mmcls/abloss/):
# 1. abloss_pretrain_backbone: 20 epochs of the AB loss alone (no
#    cross-entropy) on the last block's conv2 output of each student stage
#    (through a 1x1 conv + BN connector to the teacher's channels) against
#    the teacher's conv3 output, weights 0.125, 0.25, 0.5, 1 for stages 1-4.
#    MMRazor's ABLoss divides its sum by the batch and multiplies it by
#    3 / 1000: mmkd's ABLoss (sum / batch) with the weights x 0.003.
# 2. abloss_logits: the student from stage 1, KD on head.fc with
#    KLDivergence(tau=1, loss_weight=6.25, reduction='mean'), which also
#    averages over the 1000 classes: mmkd's KDLoss with weight 6.25 / 1000.
# The pair configs name the channels of their networks.
ab = dict(
    pretrain=dict(
        student_layers=[
            'backbone.layer1.1.conv2', 'backbone.layer2.1.conv2',
            'backbone.layer3.1.conv2', 'backbone.layer4.1.conv2'
        ],
        connector=dict(
            type='ConvBNConnector', kernel_size=1, norm=True, act=False),
        loss=[
            dict(type='ABLoss', margin=1.0, loss_name=f'loss_s{i}')
            for i in (1, 2, 3, 4)
        ],
        weights=[0.125 * 0.003, 0.25 * 0.003, 0.5 * 0.003, 1.0 * 0.003],
        epochs=20),
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['head.fc'],
        teacher_distill_layer=['head.fc'],
        loss=[dict(type='KDLoss', tau=1.0, loss_name='loss_kl')],
        weights=[6.25 / 1000]))
