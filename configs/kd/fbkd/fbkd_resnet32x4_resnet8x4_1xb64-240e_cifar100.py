# FBKD (Zhang & Ma, "Improve Object Detection with Feature-based Knowledge
# Distillation: Towards Accurate and Efficient Detectors", ICLR 2021),
# resnet32x4 -> resnet8x4 on CIFAR-100: attention-guided + non-local
# distillation on layer1, layer2, layer3 (64/128/256 channels), one FBKDLoss
# per stage with the official code's weights (7e-5 masked feature, 4e-3
# attention, 7e-5 non-local, tau=0.5): CE + sum of the three FBKD losses.
# FBKD is a detection method; the CIFAR setting is this toolkit's own.
# Published top-1 (RepDistiller README, last epoch): teacher 79.42, student
# alone 72.50. FBKD: no published CIFAR-100 number (the paper reports COCO).
#   bash tools/dist_train.sh configs/kd/fbkd_resnet32x4_resnet8x4.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet32x4_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_resnet32x4_resnet8x4.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['layer1', 'layer2', 'layer3'],
        teacher_distill_layer=['layer1', 'layer2', 'layer3'],
        loss=[
            dict(type='FBKDLoss', in_channels=64),
            dict(type='FBKDLoss', in_channels=128),
            dict(type='FBKDLoss', in_channels=256),
        ],
        weights=[1.0, 1.0, 1.0]))
