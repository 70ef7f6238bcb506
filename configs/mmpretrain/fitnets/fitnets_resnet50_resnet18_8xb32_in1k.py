# FitNets, mmpretrain's ResNet-50 -> ResNet-18 on ImageNet-1k: MMRazor's
# fitnets_backbone_logits_resnet50_resnet18_8xb32_in1k. The dataset,
# schedule and runtime are
# the student's mmpretrain config (8 GPUs x 32 images, lr 0.1, 100 epochs,
# x0.1 at 30/60/90); train_dataloader.batch_size is the total, which
# tools/train.py divides over the processes (recipe.total_batch_size).
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = ['mmpretrain::resnet/resnet18_8xb32_in1k.py', './fitnets_base.py']

teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v0/resnet/resnet50_8xb32_in1k_20210831-ea4938fc.pth'  # noqa: E501

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(cfg_path='mmpretrain::resnet/resnet18_8xb32_in1k.py'),
    teacher=dict(cfg_path='mmpretrain::resnet/resnet50_8xb32_in1k.py'),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=_base_.fitnets.student_layers,
        teacher_distill_layer=_base_.fitnets.teacher_layers,
        connectors=[
            dict(_base_.fitnets.connector, in_channels=256, out_channels=1024),
            dict(_base_.fitnets.connector, in_channels=512, out_channels=2048),
            None
        ],
        loss=_base_.fitnets.loss,
        weights=_base_.fitnets.weights))

train_dataloader = dict(batch_size=256)
recipe = dict(total_batch_size=256, lr=0.1, max_epochs=100)
custom_hooks = [dict(type='mmkd.EvaluateTeacherHook')]
