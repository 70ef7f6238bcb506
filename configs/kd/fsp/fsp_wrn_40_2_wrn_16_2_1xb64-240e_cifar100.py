# FSP (Yim et al., "A Gift from Knowledge Distillation", CVPR 2017), wrn_40_2
# -> wrn_16_2 on CIFAR-100; layers conv1, layer1, layer2, layer3 (16/32/64/128
# channels, equal in student and teacher), RepDistiller's feat[:-1];
# RepDistiller feat = [conv1, block1, block2, block3 (before bn1+relu)] = mmkd
# conv1, layer1, layer2, layer3; FSP matrices of the 3 consecutive pairs. mmkd
# trains it in ONE stage: CE + 50 * FSP from the first iteration. This differs
# from RepDistiller, which first trains the student's feature modules on the
# FSP loss alone (init stage, 30 epochs) and then trains with CE only; the
# published number below comes from that two-stage recipe.
# Published top-1 (RepDistiller README, last epoch): teacher 75.61, student
# alone 73.26, FSP 72.91.
#   bash tools/dist_train.sh configs/kd/fsp_wrn_40_2_wrn_16_2.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/wrn_40_2_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_wrn_40_2_wrn_16_2.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['conv1', 'layer1', 'layer2', 'layer3'],
        teacher_distill_layer=['conv1', 'layer1', 'layer2', 'layer3'],
        loss=[dict(type='FSPLoss')],  # consecutive pairs, summed
        weights=[50.0]))
