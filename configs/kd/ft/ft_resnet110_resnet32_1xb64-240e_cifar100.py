# FT (Kim et al., "Paraphrasing Complex Network: Network Compression via
# Factor Transfer", NeurIPS 2018), resnet110 -> resnet32 on CIFAR-100, on
# the output of layer3, 64 channels, paraphrase rate 0.5.
# Loss: CE + 200 * FT + 1 * paraphraser reconstruction MSE (RepDistiller's
# -b 200; both set inside FTLoss). The student goes through
# a Translator connector; FTLoss owns the Paraphraser.
# Two stages in the paper and RepDistiller (paraphraser pre-trained on the
# teacher for --init_epochs, 30 by default, then frozen during FT); here
# one joint stage: the paraphraser learns its reconstruction from step 0
# while the student follows its current, detached factor.
# Published top-1 (RepDistiller README, last epoch): teacher 74.31, student
# alone 71.14, FT 72.37.
#   bash tools/dist_train.sh configs/kd/ft_resnet110_resnet32.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet110_cifar100/epoch_240.pth
_base_ = '../../_base_/distill/cifar100_resnet110_resnet32.py'

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['layer3'],
        teacher_distill_layer=['layer3'],
        connectors=[
            dict(
                type='Translator', in_channels=64, out_channels=64,
                rate=0.5)
        ],
        loss=[
            dict(
                type='FTLoss', in_channels=64, rate=0.5, p=1,
                recon_weight=1.0, loss_weight=200.0)
        ]))
