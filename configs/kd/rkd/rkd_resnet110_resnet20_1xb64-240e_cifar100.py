# RKD (Park et al., "Relational Knowledge Distillation", CVPR 2019), resnet110
# -> resnet20 on CIFAR-100, on the penultimate embeddings (the avgpool output,
# flattened = the input of linear, 64-d): distance-wise (weight 25) plus
# angle-wise (weight 50) Huber losses: CE + 1 * RKD.
# Published top-1 (RepDistiller README, last epoch): teacher 74.31, student
# alone 69.06, RKD 69.25.
#   bash tools/dist_train.sh configs/kd/rkd_resnet110_resnet20.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet110_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_resnet110_resnet20.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['avgpool'],
        teacher_distill_layer=['avgpool'],
        loss=[dict(type='RKDLoss', distance_weight=25.0, angle_weight=50.0)],
        weights=[1.0]))
