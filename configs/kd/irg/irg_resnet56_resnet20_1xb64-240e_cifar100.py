# IRG (Liu et al. 2019), resnet56 -> resnet20 on CIFAR-100: vertex, edge and
# transformation terms on [layer2, layer3, linear] (weights 0.1, 5, 5).
# Published top-1: teacher 72.34, student alone 69.06 (RepDistiller, which has
# no IRG entry); the seed toolkit's table reports ResNet-20 67.35 -> 69.49
# with its own training, without naming the method.
#   bash tools/dist_train.sh configs/kd/irg_r20.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet56_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_resnet56_resnet20.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['layer2', 'layer3', 'linear'],
        teacher_distill_layer=['layer2', 'layer3', 'linear'],
        loss=[dict(type='IRGLoss', vert=0.1, edge=5.0, tran=5.0)],
        weights=[1.0]))
