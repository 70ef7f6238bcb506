# FitNet (Romero et al., "FitNets: Hints for Thin Deep Nets", ICLR 2015),
# vgg13 -> vgg8 on CIFAR-100; hint (teacher) and guided (student) layer layer3
# (256 channels): RepDistiller's hint_layer=2 is feat[2]; RepDistiller feat =
# [block0, block1, block2, block3, block4] = mmkd layer1 ... layer5.
# Regressor: ConvBNConnector
# (1x1 conv + BN + ReLU). Loss: CE + 100 * MSE(regressor(student), teacher).
# Published top-1 (RepDistiller README, last epoch): teacher 74.64, student
# alone 70.36, FitNet 71.02.
#   bash tools/dist_train.sh configs/kd/fitnet_vgg13_vgg8.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/vgg13_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_vgg13_vgg8.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['layer3'],
        teacher_distill_layer=['layer3'],
        # RepDistiller's ConvReg for maps of equal size: 1x1 conv + BN + ReLU
        connectors=[
            dict(type='ConvBNConnector', in_channels=256, out_channels=256,
                 kernel_size=1, norm=True, act=True)
        ],
        loss=[dict(type='FitNetLoss')],
        weights=[100.0]))
