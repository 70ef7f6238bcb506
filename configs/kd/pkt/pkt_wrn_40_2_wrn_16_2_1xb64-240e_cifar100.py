# PKT (Passalis & Tefas, "Learning Deep Representations with Probabilistic
# Knowledge Transfer", ECCV 2018), wrn_40_2 -> wrn_16_2 on CIFAR-100, on the
# penultimate embeddings (the avgpool output, flattened = the input of linear,
# 128-d): KL between cosine-kernel conditional distributions: CE + 30000 * PKT.
# Published top-1 (RepDistiller README, last epoch): teacher 75.61, student
# alone 73.26, PKT 74.54.
#   bash tools/dist_train.sh configs/kd/pkt_wrn_40_2_wrn_16_2.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/wrn_40_2_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_wrn_40_2_wrn_16_2.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['avgpool'],
        teacher_distill_layer=['avgpool'],
        loss=[dict(type='PKTLoss')],
        weights=[30000.0]))
