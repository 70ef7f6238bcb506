# CRD (Tian et al., "Contrastive Representation Distillation", ICLR 2020),
# resnet110 -> resnet32 on CIFAR-100, on the penultimate features (avgpool output =
# linear input, 64-d for both), embedded to 128-d, 16384 negatives from the
# 50000-row memory banks, tau 0.07, momentum 0.5: CE + 0.8 * CRD.
# Published top-1 (RepDistiller README, last epoch): teacher 74.31, student
# alone 71.14, CRD 73.48.
#   bash tools/dist_train.sh configs/kd/crd_resnet110_resnet32.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet110_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_resnet110_resnet32.py'

model = dict(distiller=dict(
    type='ConfigurableDistiller',
    student_distill_layer=['avgpool'],
    teacher_distill_layer=['avgpool'],
    # n_data: the size of the training set (indices are sample_idx)
    loss=[
        dict(type='CRDLoss',
             s_dim=64,
             t_dim=64,
             n_data=50000,
             feat_dim=128,
             nce_k=16384,
             tau=0.07,
             nce_m=0.5)
    ],
    weights=[0.8]))
