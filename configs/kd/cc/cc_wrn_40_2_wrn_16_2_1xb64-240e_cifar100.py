# CC (Peng et al., "Correlation Congruence for Knowledge Distillation", ICCV
# 2019), wrn_40_2 -> wrn_16_2 on CIFAR-100: the inputs of linear (128-d) of
# both networks go through their own learned linear embeddings (128-d,
# LinearEmbedConnector; the explicit form, so that the teacher's side has a
# connector too); MSE of Taylor-approximated RBF correlations (P=2, gamma=0.4):
# CE + 0.02 * CC.
# Published top-1 (RepDistiller README, last epoch): teacher 75.61, student
# alone 73.26, CC 73.56 (RepDistiller's CC is the authors' emailed code, a
# different correlation term than the Taylor kernel used here).
#   bash tools/dist_train.sh configs/kd/cc_wrn_40_2_wrn_16_2.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/wrn_40_2_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_wrn_40_2_wrn_16_2.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            embed=dict(type='ModuleInputs', source='linear')),
        teacher_recorders=dict(
            embed=dict(type='ModuleInputs', source='linear')),
        connectors=dict(
            embed_s=dict(
                type='LinearEmbedConnector',
                in_channels=128,
                out_channels=128),
            embed_t=dict(
                type='LinearEmbedConnector',
                in_channels=128,
                out_channels=128)),
        distill_losses=dict(
            loss_cc=dict(type='CCLoss', gamma=0.4, p_order=2,
                         loss_weight=0.02)),
        loss_forward_mappings=dict(
            loss_cc=dict(
                student=dict(recorder='embed', from_student=True,
                             data_idx=0, connector='embed_s'),
                teacher=dict(recorder='embed', from_student=False,
                             data_idx=0, connector='embed_t')))))
