# CC (Peng et al., "Correlation Congruence for Knowledge Distillation",
# ICCV 2019), RepDistiller's CIFAR-100 setting (--distill correlation -a 0
# -b 0.02): feat[-1] of both networks through their own learned linear
# embeddings (LinearEmbed, 128-d, both trained), then the authors' code as
# RepDistiller ships it (distiller_zoo/CC.py): d = e_s - e_t, mean over the
# batch of sum_k |d_i,k| |d_i+1,k|: CE + 0.02 * CC. The weight 0.02 is for
# this formula; the paper's Taylor-RBF kernel (CCLoss formula='taylor_rbf')
# is orders of magnitude smaller (README.md).
cc = dict(
    loss=dict(type='CCLoss', formula='repdistiller', loss_weight=0.02),
    embed=dict(type='LinearEmbedConnector', out_channels=128))
