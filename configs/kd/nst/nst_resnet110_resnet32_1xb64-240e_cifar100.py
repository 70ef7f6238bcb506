# NST (Huang & Wang, "Like What You Like: Knowledge Distill via Neuron
# Selectivity Transfer", arXiv 2017), resnet110 -> resnet32 on CIFAR-100;
# layers layer1, layer2, layer3 (16/32/64 channels), RepDistiller's
# feat[1:-1]; RepDistiller feat = [stem relu, layer1, layer2, layer3] = mmkd
# relu, layer1, layer2, layer3. Loss: CE + 50 * sum_layers MMD^2 with
# polynomial kernel (d=2, c=0) over channel-normalised maps.
# Published top-1 (RepDistiller README, last epoch): teacher 74.31, student
# alone 71.14, NST 71.96.
#   bash tools/dist_train.sh configs/kd/nst_resnet110_resnet32.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet110_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_resnet110_resnet32.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['layer1', 'layer2', 'layer3'],
        teacher_distill_layer=['layer1', 'layer2', 'layer3'],
        loss=[dict(type='NSTLoss')],  # one loss over all layers, summed
        weights=[50.0]))
