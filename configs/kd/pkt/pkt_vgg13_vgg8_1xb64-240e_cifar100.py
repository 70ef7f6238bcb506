# PKT (Passalis & Tefas, "Learning Deep Representations with Probabilistic
# Knowledge Transfer", ECCV 2018), vgg13 -> vgg8 on CIFAR-100, on the
# penultimate embeddings (the avgpool output, flattened = the input of linear,
# 512-d): KL between cosine-kernel conditional distributions: CE + 30000 * PKT.
# Published top-1 (RepDistiller README, last epoch): teacher 74.64, student
# alone 70.36, PKT 72.88.
#   bash tools/dist_train.sh configs/kd/pkt_vgg13_vgg8.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/vgg13_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_vgg13_vgg8.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['avgpool'],
        teacher_distill_layer=['avgpool'],
        loss=[dict(type='PKTLoss')],
        weights=[30000.0]))
