# RKD (Park et al., "Relational Knowledge Distillation", CVPR 2019), vgg13 ->
# vgg8 on CIFAR-100, on the penultimate embeddings (the avgpool output,
# flattened = the input of linear, 512-d): distance-wise (weight 25) plus
# angle-wise (weight 50) Huber losses: CE + 1 * RKD.
# Published top-1 (RepDistiller README, last epoch): teacher 74.64, student
# alone 70.36, RKD 71.48.
#   bash tools/dist_train.sh configs/kd/rkd_vgg13_vgg8.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/vgg13_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_vgg13_vgg8.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['avgpool'],
        teacher_distill_layer=['avgpool'],
        loss=[dict(type='RKDLoss', distance_weight=25.0, angle_weight=50.0)],
        weights=[1.0]))
