# FitNet (Romero et al., "FitNets: Hints for Thin Deep Nets", ICLR 2015),
# RepDistiller's CIFAR-100 setting (--distill hint -a 0 -b 100, hint_layer
# 2): MSE between the teacher's feat[2] and the student's feat[2] through a
# regressor (ConvReg: for equal sizes a 1x1 conv + BN + ReLU): CE + 100 *
# MSE. The pair configs apply it to feat[2] (_base_.stages[1]).
fitnet = dict(
    type='ConfigurableDistiller',
    connectors=dict(
        type='ConvBNConnector', kernel_size=1, norm=True, act=True),
    # FitNetLoss is L2Loss (logged as loss_l2); this names it after FitNet
    loss=dict(type='FitNetLoss', loss_name='loss_fitnet'),
    weights=100.0)
