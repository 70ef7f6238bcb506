# WSLD, mmpretrain's ResNet-34 -> ResNet-18 on ImageNet-1k: MMRazor's
# wsld_logits_resnet34_resnet18_8xb32_in1k. The dataset, schedule and
# runtime are
# the student's mmpretrain config (8 GPUs x 32 images, lr 0.1, 100 epochs,
# x0.1 at 30/60/90); train_dataloader.batch_size is the total, which
# tools/train.py divides over the processes (recipe.total_batch_size).
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = ['mmpretrain::resnet/resnet18_8xb32_in1k.py', './wsld_base.py']

teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v0/resnet/resnet34_8xb32_in1k_20210831-f257d4e6.pth'  # noqa: E501

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(cfg_path='mmpretrain::resnet/resnet18_8xb32_in1k.py'),
    teacher=dict(cfg_path='mmpretrain::resnet/resnet34_8xb32_in1k.py'),
    teacher_ckpt=teacher_ckpt,
    distiller=_base_.wsld.distiller)

train_dataloader = dict(batch_size=256)
recipe = dict(total_batch_size=256, lr=0.1, max_epochs=100)
custom_hooks = [dict(type='mmkd.EvaluateTeacherHook')]
