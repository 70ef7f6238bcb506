# NST (Huang & Wang, "Like What You Like: Knowledge Distill via Neuron
# Selectivity Transfer", arXiv 2017), vgg13 -> vgg8 on CIFAR-100; layers
# layer2, layer3, layer4, layer5 (128/256/512/512 channels), RepDistiller's
# feat[1:-1]; RepDistiller feat = [block0, block1, block2, block3, block4] =
# mmkd layer1 ... layer5.
# Loss: CE + 50 * sum_layers MMD^2 with polynomial kernel (d=2, c=0) over
# channel-normalised maps.
# Published top-1 (RepDistiller README, last epoch): teacher 74.64, student
# alone 70.36, NST 71.53.
#   bash tools/dist_train.sh configs/kd/nst_vgg13_vgg8.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/vgg13_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_vgg13_vgg8.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['layer2', 'layer3', 'layer4', 'layer5'],
        teacher_distill_layer=['layer2', 'layer3', 'layer4', 'layer5'],
        loss=[dict(type='NSTLoss')],  # one loss over all layers, summed
        weights=[50.0]))
