# DIST (Huang et al., "Knowledge Distillation from A Stronger Teacher",
# NeurIPS 2022) in the digits demo: cnn64x5 (all 1,200 training digits) ->
# cnn16x2 (3 labelled images per digit), on the logits:
# CE + 2 * DIST(beta 1, gamma 1, tau 4), the authors' CIFAR setting as in
# configs/kd/dist_resnet56_resnet20.py.
#   python tools/train.py configs/digits/dist_cnn64x5_cnn16x2_digits-3shot.py \
#       --cfg-options model.teacher_ckpt=work_dirs/cnn64x5_digits/epoch_30.pth
_base_ = ['./kd_cnn64x5_cnn16x2_digits-3shot.py']

model = dict(
    student_loss_weight=1.0,
    distiller=dict(
        _delete_=True,
        type='ConfigurableDistiller',
        student_distill_layer=['linear'],
        teacher_distill_layer=['linear'],
        loss=[dict(type='DISTLoss', beta=1.0, gamma=1.0, tau=4.0)],
        weights=[2.0]))
