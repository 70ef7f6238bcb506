# Vanilla KD, resnet110 -> resnet32 on CIFAR-100: RepDistiller's recipe (1
# GPU x 64 images, lr 0.05, 240 epochs).
# Recipe card (source, published top-1, deviations): metafile.yml.
_base_ = [
    '../../_base_/distill/cifar100_resnet110_resnet32.py', './kd_base.py'
]

model = dict(
    student_loss_weight=_base_.kd.ce_weight,
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['linear'],
        teacher_distill_layer=['linear'],
        loss=[_base_.kd.loss],
        weights=[_base_.kd.weight]))
