# VID (Ahn et al., CVPR 2019), wrn_40_2 -> wrn_16_2 on CIFAR-100, on the
# outputs of layer1, layer2, layer3 (32/64/128 channels; RepDistiller's
# feat[1:-1]), weights [1.0, 1.0, 1.0]: CE + 1 * VID.
# Published top-1 (RepDistiller README, last epoch): teacher 75.61, student
# alone 73.26, VID 74.11.
#   bash tools/dist_train.sh configs/kd/vid_wrn_40_2_wrn_16_2.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/wrn_40_2_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_wrn_40_2_wrn_16_2.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['layer1', 'layer2', 'layer3'],
        teacher_distill_layer=['layer1', 'layer2', 'layer3'],
        loss=[
            dict(
                type='VIDLoss', inC=32, midC=32, outC=32,
                init_pred_var=5.0),
            dict(
                type='VIDLoss', inC=64, midC=64, outC=64,
                init_pred_var=5.0),
            dict(
                type='VIDLoss', inC=128, midC=128, outC=128,
                init_pred_var=5.0),
        ],
        weights=[1.0, 1.0, 1.0]))
