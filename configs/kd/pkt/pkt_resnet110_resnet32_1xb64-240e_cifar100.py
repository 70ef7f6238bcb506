# PKT (Passalis & Tefas, "Learning Deep Representations with Probabilistic
# Knowledge Transfer", ECCV 2018), resnet110 -> resnet32 on CIFAR-100, on the
# penultimate embeddings (the avgpool output, flattened = the input of linear,
# 64-d): KL between cosine-kernel conditional distributions: CE + 30000 * PKT.
# Published top-1 (RepDistiller README, last epoch): teacher 74.31, student
# alone 71.14, PKT 72.61.
#   bash tools/dist_train.sh configs/kd/pkt_resnet110_resnet32.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet110_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_resnet110_resnet32.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['avgpool'],
        teacher_distill_layer=['avgpool'],
        loss=[dict(type='PKTLoss')],
        weights=[30000.0]))
