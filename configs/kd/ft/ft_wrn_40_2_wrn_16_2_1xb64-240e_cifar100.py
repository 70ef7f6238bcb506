# FT (Kim et al., "Paraphrasing Complex Network: Network Compression via
# Factor Transfer", NeurIPS 2018), wrn_40_2 -> wrn_16_2 on CIFAR-100, on
# the activated output of layer3
# (`relu`, after bn1), 128 channels, paraphrase rate 0.5.
# Loss: CE + 200 * FT + 1 * paraphraser reconstruction MSE (RepDistiller's
# -b 200; both set inside FTLoss). The student goes through
# a Translator connector; FTLoss owns the Paraphraser.
# Two stages in the paper and RepDistiller (paraphraser pre-trained on the
# teacher for --init_epochs, 30 by default, then frozen during FT); here
# one joint stage: the paraphraser learns its reconstruction from step 0
# while the student follows its current, detached factor.
# Published top-1 (RepDistiller README, last epoch): teacher 75.61, student
# alone 73.26, FT 73.25.
#   bash tools/dist_train.sh configs/kd/ft_wrn_40_2_wrn_16_2.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/wrn_40_2_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_wrn_40_2_wrn_16_2.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['relu'],
        teacher_distill_layer=['relu'],
        connectors=[
            dict(
                type='Translator', in_channels=128, out_channels=128,
                rate=0.5)
        ],
        loss=[
            dict(
                type='FTLoss', in_channels=128, rate=0.5, p=1,
                recon_weight=1.0, loss_weight=200.0)
        ]))
