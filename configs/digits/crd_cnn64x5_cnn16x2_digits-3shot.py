# CRD (Tian et al., "Contrastive Representation Distillation", ICLR 2020) in
# the digits demo: cnn64x5 (all 1,200 training digits) -> cnn16x2 (3
# labelled images per digit), on the penultimate features (avgpool output,
# 16-d student, 64-d teacher) embedded to 128-d: CE + 0.8 * CRD(tau 0.07,
# momentum 0.5), the recipe of configs/kd/crd_resnet56_resnet20.py with
# memory banks of the 30 training images (n_data) and 256 negatives drawn
# from them (with replacement) per anchor.
#   python tools/train.py configs/digits/crd_cnn64x5_cnn16x2_digits-3shot.py \
#       --cfg-options model.teacher_ckpt=work_dirs/cnn64x5_digits/epoch_30.pth
_base_ = ['./kd_cnn64x5_cnn16x2_digits-3shot.py']

model = dict(
    student_loss_weight=1.0,
    distiller=dict(
        _delete_=True,
        type='ConfigurableDistiller',
        student_distill_layer=['avgpool'],
        teacher_distill_layer=['avgpool'],
        # n_data: the 30 images of the training set (indices are
        # sample_idx, which RepeatDataset keeps)
        loss=[
            dict(
                type='CRDLoss',
                in_channels=16,
                out_channels=64,
                n_data=30,
                feat_dim=128,
                nce_k=256,
                tau=0.07,
                nce_m=0.5)
        ],
        weights=[0.8]))
