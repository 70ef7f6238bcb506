# FT stage 1, mmpretrain's CIFAR ResNet-50 -> ResNet-18 on CIFAR-10:
# MMRazor's factor-transfer_backbone_resnet50_resnet18_8xb16_cifar10_pretrain
# (20 epochs in which only the paraphraser learns to reconstruct the
# teacher's layer4 map; 8 GPUs x 16 images, lr 0.1). The student and the
# translator are built but not trained (no cross-entropy, no gradient
# reaches them). train_dataloader.batch_size is the total, which
# tools/train.py divides over the processes (recipe.total_batch_size).
# Stage 2: ./ft_resnet50_resnet18_8xb16_cifar10.py.
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = ['mmpretrain::resnet/resnet18_8xb16_cifar10.py', './ft_base.py']

teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v0/resnet/resnet50_b16x8_cifar10_20210528-f54bfad9.pth'  # noqa: E501

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(cfg_path='mmpretrain::resnet/resnet18_8xb16_cifar10.py'),
    teacher=dict(cfg_path='mmpretrain::resnet/resnet50_8xb16_cifar10.py'),
    teacher_ckpt=teacher_ckpt,
    student_loss_weight=0.0,
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['backbone.layer4.1.conv2'],
        teacher_distill_layer=['backbone.layer4.2.conv3'],
        connectors=[
            dict(_base_.ft.translator, in_channels=512, out_channels=2048)
        ],
        loss=[dict(_base_.ft.pretrain.loss, in_channels=2048)],
        weights=[1.0]))

# the student and the translator get no gradient in this stage
find_unused_parameters = True
optim_wrapper = dict(paramwise_cfg=_base_.ft.pretrain.paramwise_cfg)
train_dataloader = dict(batch_size=128)
train_cfg = dict(max_epochs=20)
recipe = dict(total_batch_size=128, lr=0.1, max_epochs=20)
custom_hooks = [dict(type='mmkd.EvaluateTeacherHook')]
