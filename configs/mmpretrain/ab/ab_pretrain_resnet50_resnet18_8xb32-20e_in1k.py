# AB stage 1, mmpretrain's ResNet-50 -> ResNet-18 on ImageNet-1k: MMRazor's
# abloss_pretrain_backbone_resnet50_resnet18_8xb32_in1k (the AB loss alone
# for 20 epochs, trains the student and the connectors; 8 GPUs x 32 images,
# lr 0.1). train_dataloader.batch_size is the total, which tools/train.py
# divides over the processes (recipe.total_batch_size). Stage 2:
# ./ab_resnet50_resnet18_8xb32_in1k.py.
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = ['mmpretrain::resnet/resnet18_8xb32_in1k.py', './ab_base.py']

teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v0/resnet/resnet50_8xb32_in1k_20210831-ea4938fc.pth'  # noqa: E501

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(cfg_path='mmpretrain::resnet/resnet18_8xb32_in1k.py'),
    teacher=dict(cfg_path='mmpretrain::resnet/resnet50_8xb32_in1k.py'),
    teacher_ckpt=teacher_ckpt,
    student_loss_weight=0.0,
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=_base_.ab.pretrain.student_layers,
        teacher_distill_layer=[
            'backbone.layer1.2.conv3', 'backbone.layer2.3.conv3',
            'backbone.layer3.5.conv3', 'backbone.layer4.2.conv3'
        ],
        connectors=[
            dict(
                _base_.ab.pretrain.connector, in_channels=64,
                out_channels=256),
            dict(
                _base_.ab.pretrain.connector,
                in_channels=128,
                out_channels=512),
            dict(
                _base_.ab.pretrain.connector,
                in_channels=256,
                out_channels=1024),
            dict(
                _base_.ab.pretrain.connector,
                in_channels=512,
                out_channels=2048)
        ],
        loss=_base_.ab.pretrain.loss,
        weights=_base_.ab.pretrain.weights))

train_dataloader = dict(batch_size=256)
train_cfg = dict(max_epochs=20)
recipe = dict(total_batch_size=256, lr=0.1, max_epochs=20)
custom_hooks = [dict(type='mmkd.EvaluateTeacherHook')]
