# AB stage 2, mmpretrain's ResNet-50 -> ResNet-18 on ImageNet-1k: MMRazor's
# abloss_logits_resnet50_resnet18_8xb32_in1k (KD from the stage-1 student;
# 8 GPUs x 32 images, lr 0.1, 100 epochs, x0.1 at 30/60/90). Train
# ./ab_pretrain_resnet50_resnet18_8xb32-20e_in1k.py first: the student
# starts from its last checkpoint (its architecture.* weights). The teacher
# is the ResNet-50 checkpoint (MMRazor reads it from the stage-1 checkpoint,
# which holds the same frozen weights; mmkd's checkpoints leave the teacher
# out). train_dataloader.batch_size is the total, which tools/train.py
# divides over the processes (recipe.total_batch_size).
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = ['mmpretrain::resnet/resnet18_8xb32_in1k.py', './ab_base.py']

teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v0/resnet/resnet50_8xb32_in1k_20210831-ea4938fc.pth'  # noqa: E501
pretrain_ckpt = 'work_dirs/ab_pretrain_resnet50_resnet18_8xb32-20e_in1k/epoch_20.pth'  # noqa: E501

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(
        cfg_path='mmpretrain::resnet/resnet18_8xb32_in1k.py',
        init_cfg=dict(
            type='Pretrained',
            checkpoint=pretrain_ckpt,
            prefix='architecture.')),
    teacher=dict(cfg_path='mmpretrain::resnet/resnet50_8xb32_in1k.py'),
    teacher_ckpt=teacher_ckpt,
    distiller=_base_.ab.distiller)

train_dataloader = dict(batch_size=256)
recipe = dict(total_batch_size=256, lr=0.1, max_epochs=100)
custom_hooks = [dict(type='mmkd.EvaluateTeacherHook')]
