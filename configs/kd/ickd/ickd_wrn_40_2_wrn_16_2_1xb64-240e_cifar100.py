# ICKD-C (Liu et al., "Exploring Inter-Channel Correlation for
# Diversity-preserved Knowledge Distillation", ICCV 2021), wrn_40_2 -> wrn_16_2
# on CIFAR-100, on the last feature map before pooling, the output of layer3
# (before the final bn1+relu) (128 channels; the authors' feat[-2]), the
# student's through a 1x1 conv + BN connector: CE + 2.5 * ICKD (the authors'
# CIFAR weight, without KD).
# Published top-1 (ICKD repository, Cifar100/README.md, last epoch): teacher
# 75.61, student alone 73.26, ICKD-C (w/o KL) 75.64.
#   bash tools/dist_train.sh configs/kd/ickd_wrn_40_2_wrn_16_2.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/wrn_40_2_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_wrn_40_2_wrn_16_2.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['layer3'],
        teacher_distill_layer=['layer3'],
        connectors=[
            dict(type='ConvBNConnector', in_channels=128, out_channels=128)
        ],
        loss=[dict(type='ICKDLoss')],
        weights=[2.5]))
