# ZSKT (Micaelli & Storkey, "Zero-shot Knowledge Transfer via Adversarial
# Belief Matching", NeurIPS 2019): an mmpretrain ResNet-18 learns from a
# CIFAR-10 ResNet-34 without training images. MMRazor 1.0.0's
# configs/distill/mmcls/zskt/zskt_backbone_logits_resnet34_resnet18_8xb16_
# cifar10.py on mmkd (its pair, batch, optimizers, schedule and loss
# weights); where MMRazor's algorithm differs from the authors' code
# (polo5/ZeroShotKnowledgeTransfer, solver.py) this config follows the
# authors (README.md lists each difference): per iteration one noise batch
# of 8 x 16 = 128, 1 generator step maximising KL(T || S), then 10 student
# steps on the images the updated generator makes of it, minimising
# KL(T || S) + 250 x attention transfer at the four stage outputs.
#   bash tools/dist_train.sh \
#       configs/mmpretrain/zskt/zskt_resnet34_resnet18_8xb16_cifar10.py 8
# On one GPU keep the recipe with --cfg-options model.batch_size=128.
_base_ = ['../dfad/adversarial_data_free_base.py']

stages = [
    'backbone.layer1', 'backbone.layer2', 'backbone.layer3', 'backbone.layer4'
]
# F.kl_div's elementwise mean as in the authors' code; weight 2 as MMRazor
kl = dict(
    type='KLDiscrepancy',
    tau=1.0,
    reduction='mean',
    loss_weight=2.0,
    loss_name='loss_kl')

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='AdversarialDataFreeDistill',
    architecture=dict(cfg_path='mmpretrain::resnet/resnet18_8xb16_cifar10.py'),
    teacher=dict(cfg_path='mmpretrain::resnet/resnet34_8xb16_cifar10.py'),
    teacher_ckpt=_base_.teacher_ckpt,
    generator=dict(
        type='ZSKTGenerator',
        latent_dim=256,
        img_size=32,
        channels=3,
        hidden_channels=128),
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['head.fc'] + stages,
        teacher_distill_layer=['head.fc'] + stages,
        loss=[kl] + [
            dict(type='ATLoss', loss_weight=250.0, loss_name=f'loss_at{i}')
            for i in range(1, 5)
        ]),
    generator_distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['head.fc'],
        teacher_distill_layer=['head.fc'],
        loss=[kl]),
    batch_size=16,  # per process
    student_steps=10,
    student_first=False,
    same_noise=True)
