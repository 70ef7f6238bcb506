# AT (Zagoruyko & Komodakis, "Paying More Attention to Attention", ICLR 2017),
# resnet56 -> resnet20 on CIFAR-100; layers layer1, layer2, layer3 (16/32/64
# channels), RepDistiller's feat[1:-1]; RepDistiller feat = [stem relu,
# layer1, layer2, layer3] = mmkd relu, layer1, layer2, layer3. Loss: CE + 1000
# * sum_layers mean (a_s - a_t)^2, a = L2-normalised mean_c f^2.
# Published top-1 (RepDistiller README, last epoch): teacher 72.34, student
# alone 69.06, AT 70.55.
#   bash tools/dist_train.sh configs/kd/at_resnet56_resnet20.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet56_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_resnet56_resnet20.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['layer1', 'layer2', 'layer3'],
        teacher_distill_layer=['layer1', 'layer2', 'layer3'],
        loss=[dict(type='ATLoss')],  # one loss over all layers, summed
        weights=[1000.0]))
