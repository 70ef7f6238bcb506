# FitNet (Romero et al., "FitNets: Hints for Thin Deep Nets", ICLR 2015) in
# the digits demo: cnn64x5 (all 1,200 training digits) -> cnn16x2 (3
# labelled images per digit). The hint is the penultimate feature (the
# avgpool output: 64-d teacher, 16-d student), regressed from the student's
# by a 1x1 conv + BN (ConvBNConnector 16 -> 64, no ReLU):
# CE + 10 * MSE(regressor(student), teacher). Layer and weight were chosen on
# this set: the CIFAR recipe's hint on layer2 maps at weight 100
# (configs/kd/fitnet_resnet56_resnet20.py) fell well below the student alone.
#   python tools/train.py configs/digits/fitnet_cnn64x5_cnn16x2_digits-3shot.py \
#       --cfg-options model.teacher_ckpt=work_dirs/cnn64x5_digits/epoch_30.pth
_base_ = ['./kd_cnn64x5_cnn16x2_digits-3shot.py']

model = dict(
    student_loss_weight=1.0,
    distiller=dict(
        _delete_=True,
        type='ConfigurableDistiller',
        student_distill_layer=['avgpool'],
        teacher_distill_layer=['avgpool'],
        connectors=[
            dict(
                type='ConvBNConnector',
                in_channels=16,
                out_channels=64,
                kernel_size=1,
                norm=True,
                act=False)
        ],
        loss=[dict(type='FitNetLoss')],
        weights=[10.0]))
