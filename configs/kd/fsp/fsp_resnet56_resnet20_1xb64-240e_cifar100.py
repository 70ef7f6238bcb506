# FSP (Yim et al., "A Gift from Knowledge Distillation", CVPR 2017), resnet56
# -> resnet20 on CIFAR-100; layers relu, layer1, layer2, layer3 (16/16/32/64
# channels, equal in student and teacher), RepDistiller's feat[:-1];
# RepDistiller feat = [stem relu, layer1, layer2, layer3] = mmkd relu, layer1,
# layer2, layer3; FSP matrices of the 3 consecutive pairs. mmkd trains it in
# ONE stage: CE + 50 * FSP from the first iteration. This differs from
# RepDistiller, which first trains the student's feature modules on the FSP
# loss alone (init stage, 30 epochs) and then trains with CE only; the
# published number below comes from that two-stage recipe.
# Published top-1 (RepDistiller README, last epoch): teacher 72.34, student
# alone 69.06, FSP 69.95.
#   bash tools/dist_train.sh configs/kd/fsp_resnet56_resnet20.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet56_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_resnet56_resnet20.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['relu', 'layer1', 'layer2', 'layer3'],
        teacher_distill_layer=['relu', 'layer1', 'layer2', 'layer3'],
        loss=[dict(type='FSPLoss')],  # consecutive pairs, summed
        weights=[50.0]))
