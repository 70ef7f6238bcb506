# AB (Heo et al., "Knowledge Transfer via Distillation of Activation
# Boundaries Formed by Hidden Neurons", AAAI 2019), RepDistiller's two-stage
# CIFAR-100 recipe (--distill abound -a 0 -b 1):
# 1. init stage, 30 epochs (--init_epochs; helper/pretrain.py): the
#    student's feature modules (get_feat_modules(): all but the classifier)
#    trained on AB alone, SGD lr 0.05, momentum 0.9, wd 5e-4, no schedule;
#    AB on the pre-ReLU feat[1:-1] maps, margin 1, stage i of n weighted
#    2^(i-n+1) * 3/1000, summed over C, H, W and averaged over the batch.
#    No connector: RepDistiller's Connector is the identity when channels
#    and size agree, as in all six standard pairs.
# 2. the 240 epochs with cross-entropy only (train_distill adds no AB term;
#    -b 1 multiplies zero).
# InitStageHook runs stage 1 before the main training.
ab = dict(type='ConfigurableDistiller', loss=dict(type='ABLoss', margin=1.0))
ab_weight = 0.003  # the last stage's; halved per stage before it
ab_init_stage = dict(
    type='InitStageHook',
    epochs=30,
    train=['architecture'],
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4),
    after='student_only')
