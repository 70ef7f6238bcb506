# FSP (Yim et al., "A Gift from Knowledge Distillation: Fast
# Optimization, Network Minimization and Transfer Learning", CVPR 2017),
# RepDistiller's two-stage CIFAR-100 recipe (--distill fsp -a 0 -b 50):
# 1. init stage, 30 epochs (helper/pretrain.py): the student's feature
#    modules (all but the classifier) trained on the FSP loss alone, the
#    plain sum over the pairs of consecutive feat[:-1] maps (weight 1: -b
#    50 is not applied there), SGD lr 0.05, momentum 0.9, wd 5e-4;
# 2. the 240 epochs with cross-entropy only (train_distill adds no FSP
#    term).
# InitStageHook runs stage 1 before the main training.
fsp = dict(
    type='ConfigurableDistiller', loss=[dict(type='FSPLoss')], weights=1.0)
fsp_init_stage = dict(
    type='InitStageHook',
    epochs=30,
    train=['architecture'],
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4),
    after='student_only')
