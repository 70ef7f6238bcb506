# CRD (Tian et al., "Contrastive Representation Distillation", ICLR
# 2020), RepDistiller's CIFAR-100 setting (--distill crd -a 0 -b 0.8): on
# feat[-1], embedded to 128-d (linear + L2 norm, both sides), 16384
# negatives per anchor from 50000-row memory banks, tau 0.07, momentum
# 0.5; negatives from the other classes, the positive the sample itself
# (CIFAR100InstanceSample, mode 'exact'): CE + 0.8 * CRD. DatasetLabelsHook
# gives the loss the training labels.
crd = dict(
    type='ConfigurableDistiller',
    loss=dict(
        type='CRDLoss',
        n_data=50000,
        feat_dim=128,
        nce_k=16384,
        tau=0.07,
        nce_m=0.5,
        negatives='other_classes'),
    weights=0.8)
crd_hooks = [dict(type='DatasetLabelsHook')]
