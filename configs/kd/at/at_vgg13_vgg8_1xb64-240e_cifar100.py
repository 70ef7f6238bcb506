# AT (Zagoruyko & Komodakis, "Paying More Attention to Attention", ICLR 2017),
# vgg13 -> vgg8 on CIFAR-100; layers layer2, layer3, layer4, layer5
# (128/256/512/512 channels), RepDistiller's feat[1:-1]; RepDistiller feat =
# [block0, block1, block2, block3, block4] = mmkd layer1 ... layer5. Loss: CE + 1000 * sum_layers
# mean (a_s - a_t)^2, a = L2-normalised mean_c f^2.
# Published top-1 (RepDistiller README, last epoch): teacher 74.64, student
# alone 70.36, AT 71.43.
#   bash tools/dist_train.sh configs/kd/at_vgg13_vgg8.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/vgg13_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_vgg13_vgg8.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['layer2', 'layer3', 'layer4', 'layer5'],
        teacher_distill_layer=['layer2', 'layer3', 'layer4', 'layer5'],
        loss=[dict(type='ATLoss')],  # one loss over all layers, summed
        weights=[1000.0]))
