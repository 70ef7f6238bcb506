# OFD, WRN-28-4 -> WRN-16-2 on CIFAR-10 (mmpretrain): MMRazor's
# ofd_backbone_resnet50_resnet18_8xb16_cifar10 (whose networks are these
# WRNs). The dataset, schedule and runtime are the student's config
# (mmpretrain's CIFAR-10 data and schedule: 8 GPUs x 16 images, lr 0.1, 200
# epochs, x0.1 at 100/150); train_dataloader.batch_size is the total, which
# tools/train.py divides over the processes (recipe.total_batch_size).
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = ['../wrn/wrn16-w2_8xb16_cifar10.py', './ofd_base.py']

teacher_ckpt = 'https://download.openmmlab.com/mmrazor/v1/wide_resnet/wrn28_4_b16x8_cifar10_20220831_173536-d6f8725c.pth'  # noqa: E501

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(
        cfg_path='mmkd::mmpretrain/wrn/wrn16-w2_8xb16_cifar10.py'),
    teacher=dict(cfg_path='mmkd::mmpretrain/wrn/wrn28-w4_8xb16_cifar10.py'),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        _base_.ofd,
        connectors=[
            dict(_base_.ofd_connector, in_channels=c_s, out_channels=c_t)
            for c_s, c_t in ((32, 64), (64, 128), (128, 256))
        ]))

train_dataloader = dict(batch_size=128)
recipe = dict(total_batch_size=128, lr=0.1, max_epochs=200)
custom_hooks = [dict(type='mmkd.EvaluateTeacherHook')]
