# AT (Zagoruyko & Komodakis, "Paying More Attention to Attention", ICLR 2017),
# resnet32x4 -> resnet8x4 on CIFAR-100; layers layer1, layer2, layer3
# (64/128/256 channels), RepDistiller's feat[1:-1]; RepDistiller feat = [stem
# relu, layer1, layer2, layer3] = mmkd relu, layer1, layer2, layer3. Loss: CE
# + 1000 * sum_layers mean (a_s - a_t)^2, a = L2-normalised mean_c f^2.
# Published top-1 (RepDistiller README, last epoch): teacher 79.42, student
# alone 72.50, AT 73.44.
#   bash tools/dist_train.sh configs/kd/at_resnet32x4_resnet8x4.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet32x4_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_resnet32x4_resnet8x4.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['layer1', 'layer2', 'layer3'],
        teacher_distill_layer=['layer1', 'layer2', 'layer3'],
        loss=[dict(type='ATLoss')],  # one loss over all layers, summed
        weights=[1000.0]))
