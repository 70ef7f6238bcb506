# VID (Ahn et al., CVPR 2019), resnet32x4 -> resnet8x4 on CIFAR-100, on the
# outputs of layer1, layer2, layer3 (64/128/256 channels; RepDistiller's
# feat[1:-1]), weights [1.0, 1.0, 1.0]: CE + 1 * VID.
# Published top-1 (RepDistiller README, last epoch): teacher 79.42, student
# alone 72.50, VID 73.09.
#   bash tools/dist_train.sh configs/kd/vid_resnet32x4_resnet8x4.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet32x4_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_resnet32x4_resnet8x4.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['layer1', 'layer2', 'layer3'],
        teacher_distill_layer=['layer1', 'layer2', 'layer3'],
        loss=[
            dict(
                type='VIDLoss', inC=64, midC=64, outC=64,
                init_pred_var=5.0),
            dict(
                type='VIDLoss', inC=128, midC=128, outC=128,
                init_pred_var=5.0),
            dict(
                type='VIDLoss', inC=256, midC=256, outC=256,
                init_pred_var=5.0),
        ],
        weights=[1.0, 1.0, 1.0]))
