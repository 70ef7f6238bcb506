# FT stage 2, mmpretrain's CIFAR ResNet-50 -> ResNet-18 on CIFAR-10:
# MMRazor's factor-transfer_backbone_resnet50_resnet18_8xb16_cifar10_train
# (CE + FT with the stage-1 paraphraser frozen; 8 GPUs x 16 images, lr 0.1,
# 200 epochs, x0.1 at 100/150). Train
# ./ft_pretrain_resnet50_resnet18_8xb16-20e_cifar10.py first: the distiller
# (the paraphraser, and the translator as stage 1 built it) starts from its
# last checkpoint (its distiller.* weights). train_dataloader.batch_size is
# the total, which tools/train.py divides over the processes
# (recipe.total_batch_size).
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = ['mmpretrain::resnet/resnet18_8xb16_cifar10.py', './ft_base.py']

teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v0/resnet/resnet50_b16x8_cifar10_20210528-f54bfad9.pth'  # noqa: E501
pretrain_ckpt = 'work_dirs/ft_pretrain_resnet50_resnet18_8xb16-20e_cifar10/epoch_20.pth'  # noqa: E501

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(cfg_path='mmpretrain::resnet/resnet18_8xb16_cifar10.py'),
    teacher=dict(cfg_path='mmpretrain::resnet/resnet50_8xb16_cifar10.py'),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['backbone.layer4.1.conv2'],
        teacher_distill_layer=['backbone.layer4.2.conv3'],
        connectors=[
            dict(_base_.ft.translator, in_channels=512, out_channels=2048)
        ],
        loss=[dict(_base_.ft.train.loss, in_channels=2048)],
        weights=[_base_.ft.train.weight],
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrain_ckpt, prefix='distiller.')))

train_dataloader = dict(batch_size=128)
recipe = dict(total_batch_size=128, lr=0.1, max_epochs=200)
custom_hooks = [dict(type='mmkd.EvaluateTeacherHook')]
