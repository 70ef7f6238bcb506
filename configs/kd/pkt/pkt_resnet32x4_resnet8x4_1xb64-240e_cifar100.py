# PKT (Passalis & Tefas, "Learning Deep Representations with Probabilistic
# Knowledge Transfer", ECCV 2018), resnet32x4 -> resnet8x4 on CIFAR-100, on the
# penultimate embeddings (the avgpool output, flattened = the input of linear,
# 256-d): KL between cosine-kernel conditional distributions: CE + 30000 * PKT.
# Published top-1 (RepDistiller README, last epoch): teacher 79.42, student
# alone 72.50, PKT 73.64.
#   bash tools/dist_train.sh configs/kd/pkt_resnet32x4_resnet8x4.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet32x4_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_resnet32x4_resnet8x4.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['avgpool'],
        teacher_distill_layer=['avgpool'],
        loss=[dict(type='PKTLoss')],
        weights=[30000.0]))
