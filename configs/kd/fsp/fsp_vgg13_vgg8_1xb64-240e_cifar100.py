# FSP (Yim et al., "A Gift from Knowledge Distillation", CVPR 2017), vgg13 ->
# vgg8 on CIFAR-100; layers layer1, layer2, layer3, layer4, layer5
# (64/128/256/512/512 channels, equal in student and teacher), RepDistiller's
# feat[:-1]; RepDistiller feat = [block0, block1, block2, block3, block4] =
# mmkd layer1 ... layer5;
# FSP matrices of the 4 consecutive pairs. mmkd trains it in ONE stage: CE +
# 50 * FSP from the first iteration. This differs from RepDistiller, which
# first trains the student's feature modules on the FSP loss alone (init
# stage, 30 epochs) and then trains with CE only; the published number below
# comes from that two-stage recipe.
# Published top-1 (RepDistiller README, last epoch): teacher 74.64, student
# alone 70.36, FSP 70.23.
#   bash tools/dist_train.sh configs/kd/fsp_vgg13_vgg8.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/vgg13_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_vgg13_vgg8.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=[
            'layer1', 'layer2', 'layer3', 'layer4', 'layer5'
        ],
        teacher_distill_layer=[
            'layer1', 'layer2', 'layer3', 'layer4', 'layer5'
        ],
        loss=[dict(type='FSPLoss')],  # consecutive pairs, summed
        weights=[50.0]))
