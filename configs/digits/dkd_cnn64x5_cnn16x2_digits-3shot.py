# DKD (Zhao et al., "Decoupled Knowledge Distillation", CVPR 2022) in the
# digits demo: cnn64x5 (all 1,200 training digits) -> cnn16x2 (3 labelled
# images per digit), on the logits: CE + 1 * DKD(alpha 1, beta 2, tau 4), the
# DKD weight ramped up over the first 5 of 30 epochs; the CIFAR recipe of
# configs/kd/dkd_resnet56_resnet20.py (there: 20 of 240 epochs).
#   python tools/train.py configs/digits/dkd_cnn64x5_cnn16x2_digits-3shot.py \
#       --cfg-options model.teacher_ckpt=work_dirs/cnn64x5_digits/epoch_30.pth
_base_ = ['./kd_cnn64x5_cnn16x2_digits-3shot.py']

model = dict(
    student_loss_weight=1.0,
    distiller=dict(
        _delete_=True,
        type='ConfigurableDistiller',
        student_distill_layer=['linear'],
        teacher_distill_layer=['linear'],
        loss=[dict(type='DKDLoss', alpha=1.0, beta=2.0, tau=4.0)],
        weights=[1.0]))

custom_hooks = [
    dict(type='EvaluateTeacherHook'),
    dict(type='DistillLossWarmupHook', warmup_epochs=5)
]
