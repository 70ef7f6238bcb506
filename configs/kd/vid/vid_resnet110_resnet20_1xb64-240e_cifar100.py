# VID (Ahn et al., CVPR 2019), resnet110 -> resnet20 on CIFAR-100, on the
# outputs of layer1, layer2, layer3 (16/32/64 channels; RepDistiller's
# feat[1:-1]), weights [1.0, 1.0, 1.0]: CE + 1 * VID.
# Published top-1 (RepDistiller README, last epoch): teacher 74.31, student
# alone 69.06, VID 70.16.
#   bash tools/dist_train.sh configs/kd/vid_resnet110_resnet20.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet110_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_resnet110_resnet20.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['layer1', 'layer2', 'layer3'],
        teacher_distill_layer=['layer1', 'layer2', 'layer3'],
        loss=[
            dict(
                type='VIDLoss', inC=16, midC=16, outC=16,
                init_pred_var=5.0),
            dict(
                type='VIDLoss', inC=32, midC=32, outC=32,
                init_pred_var=5.0),
            dict(
                type='VIDLoss', inC=64, midC=64, outC=64,
                init_pred_var=5.0),
        ],
        weights=[1.0, 1.0, 1.0]))
