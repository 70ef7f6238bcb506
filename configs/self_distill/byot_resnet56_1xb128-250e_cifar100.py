# Self-distillation (Be Your Own Teacher, Zhang et al., ICCV 2019) of
# resnet56 on CIFAR-100, with the schedule and loss weights of the authors'
# code (ArchipLab-LinfengZhang/pytorch-self-distillation-final, train.py):
# SGD momentum 0.9, lr 0.1 for a total batch of 1 x 128, wd 5e-4, 250 epochs,
# lr / 10 at epochs 83, 166 and 240; every shallow head: 0.7 * CE +
# 0.3 * soft CE (tau 3) to the deepest classifier + 0.03 * feature hint; the
# deepest classifier: CE. Differences from that code (see README.md): CIFAR
# resnet56 (3 stages, 2 heads) instead of their 4-stage ResNet-18 (3 heads),
# conv bottlenecks, no AutoAugment/Cutout, a squared-L2 hint on pooled
# features. Compare with resnet56_1xb128-250e_cifar100.py (same recipe,
# network alone).
#   python tools/train.py \
#       configs/self_distill/byot_resnet56_1xb128-250e_cifar100.py
#   python tools/model_converters/export_student.py \
#       work_dirs/byot_resnet56_1xb128-250e_cifar100/epoch_250.pth r56.pth
_base_ = ['./resnet56_1xb128-250e_cifar100.py']

model = dict(
    _delete_=True,
    type='SelfDistill',
    architecture=dict(type='resnet56', num_classes=100),
    # layer1/2/3: 16/32/64 channels at 32/16/8 px; heads end at 8 px, 64-d
    aux_heads=[
        dict(source='layer1', in_channels=16, num_downsample=2),
        dict(source='layer2', in_channels=32, num_downsample=1)
    ],
    aux_ce_weight=0.7,
    # KDLoss scales by tau^2; the authors' soft CE does not: 0.3 / tau^2
    kd_loss=dict(type='KDLoss', tau=3.0, loss_weight=0.3 / 3**2),
    feature_loss=dict(type='L2Loss', reduction='batchmean', loss_weight=0.03))
