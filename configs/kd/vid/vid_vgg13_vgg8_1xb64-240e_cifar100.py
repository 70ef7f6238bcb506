# VID (Ahn et al., CVPR 2019), vgg13 -> vgg8 on CIFAR-100, on the
# outputs of layer2, layer3, layer4, layer5 (128/256/512/512 channels;
# RepDistiller's feat[1:-1]), weights [1.0, 1.0, 1.0, 1.0]: CE + 1 * VID.
# Published top-1 (RepDistiller README, last epoch): teacher 74.64, student
# alone 70.36, VID 71.23.
#   bash tools/dist_train.sh configs/kd/vid_vgg13_vgg8.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/vgg13_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_vgg13_vgg8.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['layer2', 'layer3', 'layer4', 'layer5'],
        teacher_distill_layer=['layer2', 'layer3', 'layer4', 'layer5'],
        loss=[
            dict(
                type='VIDLoss', inC=128, midC=128, outC=128,
                init_pred_var=5.0),
            dict(
                type='VIDLoss', inC=256, midC=256, outC=256,
                init_pred_var=5.0),
            dict(
                type='VIDLoss', inC=512, midC=512, outC=512,
                init_pred_var=5.0),
            dict(
                type='VIDLoss', inC=512, midC=512, outC=512,
                init_pred_var=5.0),
        ],
        weights=[1.0, 1.0, 1.0, 1.0]))
