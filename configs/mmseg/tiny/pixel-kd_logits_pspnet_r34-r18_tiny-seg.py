# Pixel-wise distillation on the segmentation logits (the pixel-wise term
# of Liu et al., "Structured Knowledge Distillation for Semantic
# Segmentation", CVPR 2019): PSPNet R34 (teacher) -> R18 (student), both
# small, on the generated tiny segmentation data. Each pixel's class scores
# of decode_head.conv_seg, (N, 4, 8, 8), become a softmax at temperature
# T; the loss is T^2 * KL(teacher || student) averaged over pixels. The
# teacher stops after conv_seg.
#   python tools/train.py configs/mmseg/tiny/pspnet_r34_tiny-seg.py
#   python tools/train.py configs/mmseg/tiny/pixel-kd_logits_pspnet_r34-r18_tiny-seg.py
_base_ = ['./cwd_logits_pspnet_r34-r18_tiny-seg.py']

model = dict(
    distiller=dict(
        _delete_=True,
        type='ConfigurableDistiller',
        student_distill_layer=['decode_head.conv_seg'],
        teacher_distill_layer=['decode_head.conv_seg'],
        # resize=True would first resize student logits of another size
        # bilinearly to the teacher's
        loss=[dict(type='PixelWiseKDLoss', tau=1.0, loss_weight=1.0)]))
