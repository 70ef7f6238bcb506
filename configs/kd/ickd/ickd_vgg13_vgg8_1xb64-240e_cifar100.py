# ICKD-C (Liu et al., "Exploring Inter-Channel Correlation for
# Diversity-preserved Knowledge Distillation", ICCV 2021), vgg13 -> vgg8 on
# CIFAR-100, on the last feature map before pooling, the output of layer5 (512
# channels, 4x4; the authors' feat[-2]), the student's through a 1x1 conv + BN
# connector: CE + 2.5 * ICKD (the authors' CIFAR weight, without KD).
# Published top-1 (ICKD repository, Cifar100/README.md, last epoch): teacher
# 74.64, student alone 70.36, ICKD-C (w/o KL) 73.42.
#   bash tools/dist_train.sh configs/kd/ickd_vgg13_vgg8.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/vgg13_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_vgg13_vgg8.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['layer5'],
        teacher_distill_layer=['layer5'],
        connectors=[
            dict(type='ConvBNConnector', in_channels=512, out_channels=512)
        ],
        loss=[dict(type='ICKDLoss')],
        weights=[2.5]))
