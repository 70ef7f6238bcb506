# CRD (Tian et al., "Contrastive Representation Distillation", ICLR 2020),
# wrn_40_2 -> wrn_16_2 on CIFAR-100, on the penultimate features (avgpool output =
# linear input, 128-d for both), embedded to 128-d, 16384 negatives from the
# 50000-row memory banks, tau 0.07, momentum 0.5: CE + 0.8 * CRD.
# Published top-1 (RepDistiller README, last epoch): teacher 75.61, student
# alone 73.26, CRD 75.48.
#   bash tools/dist_train.sh configs/kd/crd_wrn_40_2_wrn_16_2.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/wrn_40_2_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_wrn_40_2_wrn_16_2.py'

model = dict(distiller=dict(
    type='ConfigurableDistiller',
    student_distill_layer=['avgpool'],
    teacher_distill_layer=['avgpool'],
    # n_data: the size of the training set (indices are sample_idx)
    loss=[
        dict(type='CRDLoss',
             s_dim=128,
             t_dim=128,
             n_data=50000,
             feat_dim=128,
             nce_k=16384,
             tau=0.07,
             nce_m=0.5)
    ],
    weights=[0.8]))
