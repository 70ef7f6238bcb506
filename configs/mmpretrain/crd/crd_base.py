# CRD (Tian, Krishnan and Isola, "Contrastive Representation Distillation",
# ICLR 2020) on the pooled features (neck.gap), MMRazor 1.0's CIFAR-10
# setting (configs/distill/mmcls/crd/crd_neck_r50_r18_8xb16_cifar10.py):
# CRDLoss weight 0.8, tau 0.07, momentum 0.5,
# 128-d embeddings (MMRazor's CRDConnector: linear + L2 norm; mmkd's CRDLoss
# holds both heads), 16384 negatives drawn from the other classes' samples
# (CRDDataset sample_mode 'exact', percent 1.0: mmkd's
# negatives='other_classes', the labels passed by DatasetLabelsHook), a
# memory bank of the 50000 training samples (each data sample's sample_idx
# indexes it). The pair config names the feature sizes of its networks.
crd = dict(
    loss=dict(
        type='CRDLoss',
        n_data=50000,
        feat_dim=128,
        nce_k=16384,
        tau=0.07,
        nce_m=0.5,
        negatives='other_classes'),
    weight=0.8,
    hooks=[dict(type='mmkd.DatasetLabelsHook')])
