# FitNet (Romero et al., "FitNets: Hints for Thin Deep Nets", ICLR 2015),
# resnet110 -> resnet20 on CIFAR-100; hint (teacher) and guided (student)
# layer layer2 (32 channels): RepDistiller's hint_layer=2 is feat[2];
# RepDistiller feat = [stem relu, layer1, layer2, layer3] = mmkd relu, layer1,
# layer2, layer3. Regressor: ConvBNConnector (1x1 conv + BN + ReLU). Loss: CE
# + 100 * MSE(regressor(student), teacher).
# Published top-1 (RepDistiller README, last epoch): teacher 74.31, student
# alone 69.06, FitNet 68.99.
#   bash tools/dist_train.sh configs/kd/fitnet_resnet110_resnet20.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet110_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_resnet110_resnet20.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['layer2'],
        teacher_distill_layer=['layer2'],
        # RepDistiller's ConvReg for maps of equal size: 1x1 conv + BN + ReLU
        connectors=[
            dict(type='ConvBNConnector', in_channels=32, out_channels=32,
                 kernel_size=1, norm=True, act=True)
        ],
        loss=[dict(type='FitNetLoss')],
        weights=[100.0]))
