# FT (Kim et al., "Paraphrasing Complex Network: Network Compression via
# Factor Transfer", NeurIPS 2018), RepDistiller's two-stage CIFAR-100 recipe
# (--distill factor -a 0 -b 200), on feat[-2] (the last feature map):
# 1. init stage, 30 epochs (helper/pretrain.py): the paraphraser (3 conv +
#    3 transposed conv, LeakyReLU 0.1, no BN, rate 0.5) learns to
#    reconstruct the teacher's map (MSE), SGD lr 0.01 for ResNet/WRN
#    students (0.05 otherwise), momentum 0.9, wd 5e-4;
# 2. 240 epochs with the paraphraser frozen: CE + 200 * FT, FT = mean
#    |u_s - u_t| with u = normalize(mean_c F^2) of the translator's (student,
#    conv-BN-LeakyReLU x 3) and the paraphraser's (teacher) factors.
# InitStageHook runs stage 1 before the main training.
ft_loss = dict(
    type='FTLoss',
    rate=0.5,
    p=1.0,
    formula='repdistiller',
    paraphraser_mode='frozen')
ft = dict(
    type='ConfigurableDistiller',
    connectors=dict(type='Translator', rate=ft_loss['rate']),
    loss=ft_loss,
    weights=200.0)
ft_init_stage = dict(
    type='InitStageHook',
    epochs=30,
    train=['distiller.distill_losses.loss_ft.paraphraser'],
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4),
    after='distill')
