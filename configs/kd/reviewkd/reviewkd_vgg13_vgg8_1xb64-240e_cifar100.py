# ReviewKD (Chen et al., "Distilling Knowledge via Knowledge Review", CVPR
# 2021), vgg13 -> vgg8 on CIFAR-100: ABF fusion of the student's layer2,
# layer3, layer4, layer5, avgpool (deep to shallow; the pooled embedding is the
# deepest stage, as in the official CIFAR code) against the same teacher stages
# (128/256/512/512/512 channels), hierarchical context loss.
# Loss: CE + 1.0 * HCL, weight from not in the official script: its train.py
# default; linear warm-up of the distill loss over 20 epochs (its
# --kd-warm-up).
# The official code compares with the teacher's pre-ReLU stage outputs; here
# the recorded module outputs (post-ReLU) are used.
# Published top-1: teacher 74.64, student alone 70.36 (RepDistiller README,
# last epoch); ReviewKD 74.84 (the paper's CIFAR-100 table, as listed by
# paperswithcode.com "Results from the Paper").
#   bash tools/dist_train.sh configs/kd/reviewkd_vgg13_vgg8.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/vgg13_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_vgg13_vgg8.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['layer2', 'layer3', 'layer4', 'layer5', 'avgpool'],
        teacher_distill_layer=['layer2', 'layer3', 'layer4', 'layer5', 'avgpool'],
        loss=[
            dict(
                type='ReviewKDLoss',
                student_channels=[128, 256, 512, 512, 512],
                teacher_channels=[128, 256, 512, 512, 512])
        ],
        weights=[1.0]))

custom_hooks = [
    dict(type='EvaluateTeacherHook'),
    dict(type='DistillLossWarmupHook', warmup_epochs=20)
]
