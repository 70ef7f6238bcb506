# VID (Ahn et al., "Variational Information Distillation for Knowledge
# Transfer", CVPR 2019), RepDistiller's CIFAR-100 setting (--distill vid -a
# 0 -b 1): one VID term per feat[1:-1] map (regressor mid channels = the
# teacher's, init_pred_var 5, eps 1e-5), weights 1: CE + 1 * VID.
vid = dict(
    type='ConfigurableDistiller',
    # one per layer pair, its channels from the pair's layer_pairs
    loss=dict(type='VIDLoss', init_pred_var=5.0, eps=1e-5),
    weights=1.0)
