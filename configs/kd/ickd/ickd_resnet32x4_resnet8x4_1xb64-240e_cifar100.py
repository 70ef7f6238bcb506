# ICKD-C (Liu et al., "Exploring Inter-Channel Correlation for
# Diversity-preserved Knowledge Distillation", ICCV 2021), resnet32x4 ->
# resnet8x4 on CIFAR-100, on the last feature map before pooling, the output of
# layer3 (256 channels; the authors' feat[-2]), the student's through a 1x1
# conv + BN connector: CE + 2.5 * ICKD (the authors' CIFAR weight, without KD).
# Published top-1 (ICKD repository, Cifar100/README.md, last epoch): teacher
# 79.42, student alone 72.50, ICKD-C (w/o KL) 75.25.
#   bash tools/dist_train.sh configs/kd/ickd_resnet32x4_resnet8x4.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet32x4_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_resnet32x4_resnet8x4.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['layer3'],
        teacher_distill_layer=['layer3'],
        connectors=[
            dict(type='ConvBNConnector', in_channels=256, out_channels=256)
        ],
        loss=[dict(type='ICKDLoss')],
        weights=[2.5]))
