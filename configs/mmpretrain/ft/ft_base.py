# FT (Kim, Park and Kwak, "Paraphrasing Complex Network: Network
# Compression via Factor Transfer", NeurIPS 2018), MMRazor 1.0's two-stage
# CIFAR-10 setting (configs/distill/mmcls/factor_transfer/), on the last
# conv of the student's layer4 (its last block's conv2) and the teacher's
# (its last block's conv3), both before their BN:
# 1. factor-transfer_..._pretrain: 20 epochs in which only the paraphraser
#    learns (3 conv + 3 transposed conv, LeakyReLU 0.1, no BN, rate 0.5) to
#    reconstruct the teacher's map; MMRazor's L2Loss (unit-norm maps,
#    squared distance summed per sample, averaged over the batch) is
#    mmkd's FTLoss in its init stage with recon_formula='normalized'; no
#    cross-entropy, the student is not trained (lr and decay x 0).
# 2. factor-transfer_..._train: 200 epochs of CE + FT with the stage-1
#    paraphraser frozen; MMRazor's FTLoss (L1 between the unit-norm
#    flattened factors, weight 1) is mmkd's formula='paper', p=1; the
#    student's factor comes from a Translator (conv-BN-LeakyReLU x 3).
# The pair configs name the layers and channels of their networks.
ft_loss = dict(
    type='FTLoss', rate=0.5, p=1.0, formula='paper', loss_name='loss_s4')
ft = dict(
    pretrain=dict(
        loss=dict(
            ft_loss,
            paraphraser_mode='joint',
            recon_formula='normalized',
            init_stage=True),
        epochs=20,
        # the student is not trained (MMRazor: student_trainable=False):
        # without a gradient from any loss, its weight decay is off too
        paramwise_cfg=dict(
            custom_keys={'architecture.': dict(lr_mult=0.0, decay_mult=0.0)})),
    train=dict(loss=dict(ft_loss, paraphraser_mode='frozen'), weight=1.0),
    translator=dict(type='Translator', rate=0.5))
