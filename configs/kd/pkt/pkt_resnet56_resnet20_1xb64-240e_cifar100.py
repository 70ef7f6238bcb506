# PKT (Passalis & Tefas, "Learning Deep Representations with Probabilistic
# Knowledge Transfer", ECCV 2018), resnet56 -> resnet20 on CIFAR-100, on the
# penultimate embeddings (the avgpool output, flattened = the input of linear,
# 64-d): KL between cosine-kernel conditional distributions: CE + 30000 * PKT.
# Published top-1 (RepDistiller README, last epoch): teacher 72.34, student
# alone 69.06, PKT 70.34.
#   bash tools/dist_train.sh configs/kd/pkt_resnet56_resnet20.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet56_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_resnet56_resnet20.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['avgpool'],
        teacher_distill_layer=['avgpool'],
        loss=[dict(type='PKTLoss')],
        weights=[30000.0]))
