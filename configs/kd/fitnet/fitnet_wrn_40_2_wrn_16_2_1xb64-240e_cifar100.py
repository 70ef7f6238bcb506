# FitNet (Romero et al., "FitNets: Hints for Thin Deep Nets", ICLR 2015),
# wrn_40_2 -> wrn_16_2 on CIFAR-100; hint (teacher) and guided (student) layer
# layer2 (64 channels): RepDistiller's hint_layer=2 is feat[2]; RepDistiller
# feat = [conv1, block1, block2, block3 (before bn1+relu)] = mmkd conv1,
# layer1, layer2, layer3. Regressor: ConvBNConnector (1x1 conv + BN + ReLU).
# Loss: CE + 100 * MSE(regressor(student), teacher).
# Published top-1 (RepDistiller README, last epoch): teacher 75.61, student
# alone 73.26, FitNet 73.58.
#   bash tools/dist_train.sh configs/kd/fitnet_wrn_40_2_wrn_16_2.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/wrn_40_2_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_wrn_40_2_wrn_16_2.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['layer2'],
        teacher_distill_layer=['layer2'],
        # RepDistiller's ConvReg for maps of equal size: 1x1 conv + BN + ReLU
        connectors=[
            dict(type='ConvBNConnector', in_channels=64, out_channels=64,
                 kernel_size=1, norm=True, act=True)
        ],
        loss=[dict(type='FitNetLoss')],
        weights=[100.0]))
