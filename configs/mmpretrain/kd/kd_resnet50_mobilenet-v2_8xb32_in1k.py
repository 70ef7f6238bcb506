# Vanilla KD, mmpretrain's ResNet-50 -> MobileNet-V2 on ImageNet-1k:
# MMRazor's kd_logits_resnet50_mobilenet-v2_8xb32_in1k (the student's
# mmpretrain recipe: 8 GPUs x 32 images, lr 0.045, x0.98 each epoch, 300
# epochs). train_dataloader.batch_size is the total, which tools/train.py
# divides over the processes (recipe.total_batch_size).
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = [
    'mmpretrain::mobilenet_v2/mobilenet-v2_8xb32_in1k.py', './kd_base.py'
]

teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v0/resnet/resnet50_8xb32_in1k_20210831-ea4938fc.pth'  # noqa: E501

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(
        cfg_path='mmpretrain::mobilenet_v2/mobilenet-v2_8xb32_in1k.py'),
    teacher=dict(cfg_path='mmpretrain::resnet/resnet50_8xb32_in1k.py'),
    teacher_ckpt=teacher_ckpt,
    distiller=_base_.kd.distiller)

train_dataloader = dict(batch_size=256)
recipe = dict(total_batch_size=256, lr=0.045, max_epochs=300)
custom_hooks = [dict(type='mmkd.EvaluateTeacherHook')]
