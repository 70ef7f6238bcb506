# ReviewKD (Chen et al., "Distilling Knowledge via Knowledge Review", CVPR
# 2021), resnet32x4 -> resnet8x4 on CIFAR-100: ABF fusion of the student's
# layer1, layer2, layer3, avgpool (deep to shallow; the pooled embedding is the
# deepest stage, as in the official CIFAR code) against the same teacher stages
# (64/128/256/256 channels), hierarchical context loss.
# Loss: CE + 5.0 * HCL, weight from the official script
# (CIFAR-100/script/reviewKD.sh); linear warm-up of the distill loss over 20
# epochs (its --kd-warm-up).
# The official code compares with the teacher's pre-ReLU stage outputs; here
# the recorded module outputs (post-ReLU) are used.
# Published top-1: teacher 79.42, student alone 72.50 (RepDistiller README,
# last epoch); ReviewKD 75.63 (the paper's CIFAR-100 table, as listed by
# paperswithcode.com "Results from the Paper").
#   bash tools/dist_train.sh configs/kd/reviewkd_resnet32x4_resnet8x4.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet32x4_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_resnet32x4_resnet8x4.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['layer1', 'layer2', 'layer3', 'avgpool'],
        teacher_distill_layer=['layer1', 'layer2', 'layer3', 'avgpool'],
        loss=[
            dict(
                type='ReviewKDLoss',
                student_channels=[64, 128, 256, 256],
                teacher_channels=[64, 128, 256, 256])
        ],
        weights=[5.0]))

custom_hooks = [
    dict(type='EvaluateTeacherHook'),
    dict(type='DistillLossWarmupHook', warmup_epochs=20)
]
