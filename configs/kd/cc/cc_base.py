# CC (Peng et al., "Correlation Congruence for Knowledge Distillation",
# ICCV 2019), RepDistiller's CIFAR-100 setting (--distill correlation -a 0
# -b 0.02): feat[-1] of both networks through their own learned linear
# embeddings (LinearEmbed, 128-d, both trained), then the authors' code as
# RepDistiller ships it (distiller_zoo/CC.py): d = e_s - e_t, mean over the
# batch of sum_k |d_i,k| |d_i+1,k|: CE + 0.02 * CC. The weight 0.02 is for
# this formula; the paper's Taylor-RBF kernel (CCLoss formula='taylor_rbf')
# is orders of magnitude smaller (README.md).
cc = dict(
    type='ConfigurableDistiller',
    student_recorders=dict(embed=dict(type='ModuleInputs', source='linear')),
    teacher_recorders=dict(embed=dict(type='ModuleInputs', source='linear')),
    distill_losses=dict(
        loss_cc=dict(type='CCLoss', formula='repdistiller', loss_weight=0.02)),
    loss_forward_mappings=dict(
        loss_cc=dict(
            student=dict(
                recorder='embed',
                from_student=True,
                data_idx=0,
                connector='embed_s'),
            teacher=dict(
                recorder='embed',
                from_student=False,
                data_idx=0,
                connector='embed_t'))))
# the pair config adds in_channels (its embedding's channels)
cc_embed = dict(type='LinearEmbedConnector', out_channels=128)
