# ReviewKD (Chen et al., "Distilling Knowledge via Knowledge Review", CVPR
# 2021), resnet110 -> resnet32 on CIFAR-100: ABF fusion of the student's
# layer1, layer2, layer3, avgpool (deep to shallow; the pooled embedding is the
# deepest stage, as in the official CIFAR code) against the same teacher stages
# (16/32/64/64 channels), hierarchical context loss.
# Loss: CE + 1.0 * HCL, weight from the official script
# (CIFAR-100/script/reviewKD.sh); linear warm-up of the distill loss over 20
# epochs (its --kd-warm-up).
# The official code compares with the teacher's pre-ReLU stage outputs; here
# the recorded module outputs (post-ReLU) are used.
# Published top-1 (RepDistiller README, last epoch): teacher 74.31, student
# alone 71.14. ReviewKD: no number for this pair in the sources read (the
# official repository's README gives none).
#   bash tools/dist_train.sh configs/kd/reviewkd_resnet110_resnet32.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet110_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_resnet110_resnet32.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['layer1', 'layer2', 'layer3', 'avgpool'],
        teacher_distill_layer=['layer1', 'layer2', 'layer3', 'avgpool'],
        loss=[
            dict(
                type='ReviewKDLoss',
                student_channels=[16, 32, 64, 64],
                teacher_channels=[16, 32, 64, 64])
        ],
        weights=[1.0]))

custom_hooks = [
    dict(type='EvaluateTeacherHook'),
    dict(type='DistillLossWarmupHook', warmup_epochs=20)
]
