# DFAD (Fang et al., "Data-Free Adversarial Distillation", 2019): an
# mmpretrain ResNet-18 learns from a CIFAR-10 ResNet-34 without training
# images. MMRazor 1.0.0's configs/distill/mmcls/dfad/
# dfad_logits_resnet34_resnet18_8xb32_cifar10.py on mmkd; where it differs
# from the authors' DFAD_cifar.py (VainF/Data-Free-Adversarial-Distillation)
# this config follows the authors (README.md lists each difference):
# 8 x 32 = 256 generated images per step, 5 student steps (fresh noise each)
# then 1 generator step per iteration, both on the mean L1 distance of the
# logits; student SGD 0.1 (momentum 0.9, wd 5e-4), generator Adam 1e-3,
# both x0.1 at iterations 5,000 and 10,000 of 25,000 (the authors' epochs
# 100 and 200 of 500 x 50 iterations). Real CIFAR-10 test images evaluate.
#   bash tools/dist_train.sh \
#       configs/mmpretrain/dfad/dfad_resnet34_resnet18_8xb32_cifar10.py 8
# On one GPU keep the recipe with --cfg-options model.batch_size=256.
_base_ = ['./adversarial_data_free_base.py']

discrepancy = dict(
    type='ConfigurableDistiller',
    student_distill_layer=['head.fc'],
    teacher_distill_layer=['head.fc'],
    loss=[dict(type='L1Discrepancy', loss_name='loss_l1')])

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='AdversarialDataFreeDistill',
    architecture=dict(cfg_path='mmpretrain::resnet/resnet18_8xb16_cifar10.py'),
    teacher=dict(cfg_path='mmpretrain::resnet/resnet34_8xb16_cifar10.py'),
    teacher_ckpt=_base_.teacher_ckpt,
    # DFAD's GeneratorA(nz=256, ngf=64): DAFL's generator with BN eps 1e-5
    generator=dict(
        type='DAFLGenerator',
        latent_dim=256,
        img_size=32,
        channels=3,
        hidden_channels=128,
        bn_eps=1e-5),
    # the student minimises the discrepancy, the generator maximises it
    distiller=discrepancy,
    generator_distiller=discrepancy,
    batch_size=32,  # per process
    student_steps=5,
    student_first=True,
    same_noise=False)
