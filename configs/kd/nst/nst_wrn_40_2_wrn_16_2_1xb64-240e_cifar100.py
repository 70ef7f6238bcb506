# NST (Huang & Wang, "Like What You Like: Knowledge Distill via Neuron
# Selectivity Transfer", arXiv 2017), wrn_40_2 -> wrn_16_2 on CIFAR-100;
# layers layer1, layer2, layer3 (32/64/128 channels), RepDistiller's
# feat[1:-1]; RepDistiller feat = [conv1, block1, block2, block3 (before
# bn1+relu)] = mmkd conv1, layer1, layer2, layer3. Loss: CE + 50 * sum_layers
# MMD^2 with polynomial kernel (d=2, c=0) over channel-normalised maps.
# Published top-1 (RepDistiller README, last epoch): teacher 75.61, student
# alone 73.26, NST 73.68.
#   bash tools/dist_train.sh configs/kd/nst_wrn_40_2_wrn_16_2.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/wrn_40_2_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_wrn_40_2_wrn_16_2.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['layer1', 'layer2', 'layer3'],
        teacher_distill_layer=['layer1', 'layer2', 'layer3'],
        loss=[dict(type='NSTLoss')],  # one loss over all layers, summed
        weights=[50.0]))
