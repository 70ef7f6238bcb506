# CRD, mmpretrain's CIFAR ResNet-50 -> ResNet-18 on CIFAR-10: MMRazor's
# crd_neck_r50_r18_8xb16_cifar10. The dataset, schedule and runtime are the
# student's mmpretrain config (8 GPUs x 16 images, lr 0.1, 200 epochs, x0.1
# at 100/150); train_dataloader.batch_size is the total, which
# tools/train.py divides over the processes (recipe.total_batch_size). Each
# network normalises its input as its mmpretrain config (CIFAR-10 mean/std;
# a deviation from MMRazor, see the card).
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = ['mmpretrain::resnet/resnet18_8xb16_cifar10.py', './crd_base.py']

teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v0/resnet/resnet50_b16x8_cifar10_20210528-f54bfad9.pth'  # noqa: E501

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(cfg_path='mmpretrain::resnet/resnet18_8xb16_cifar10.py'),
    teacher=dict(cfg_path='mmpretrain::resnet/resnet50_8xb16_cifar10.py'),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['neck.gap'],
        teacher_distill_layer=['neck.gap'],
        loss=[dict(_base_.crd.loss, in_channels=512, out_channels=2048)],
        weights=[_base_.crd.weight]))

train_dataloader = dict(batch_size=128)
recipe = dict(total_batch_size=128, lr=0.1, max_epochs=200)
custom_hooks = _base_.crd.hooks + [dict(type='mmkd.EvaluateTeacherHook')]
