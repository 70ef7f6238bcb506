# Channel-wise distillation on the segmentation logits: PSPNet R101-d8
# (teacher) -> PSPNet R18-d8 (student), Cityscapes 512x1024, 80k iterations.
#
# Method: CWD, each class channel of the (N, 19, H/8, W/8) logits becomes a
#   spatial softmax; loss = tau^2 * KL(teacher || student) / (N * C), on the
#   output of decode_head.conv_seg (before mmseg's resize), tau 1, loss
#   weight 5, as in MMRazor's recipe (MMRazor's
#   configs/distill/mmseg/cwd/cwd_logits_pspnet_r101_d8_pspnet_r18_d8_
#   512x1024_cityscapes_80k.py: ChannelWiseDivergence tau=1, loss_weight=5).
# Paper: Shu, Liu, Gao, Yan and Shen, "Channel-wise Knowledge Distillation
#   for Dense Prediction", ICCV 2021 (arXiv:2011.13256).
# Published (MMRazor's CWD README, configs/distill/mmseg/cwd/README.md),
#   Cityscapes val mIoU: student PSPNet R18-d8 alone 74.87 -> 75.54 with CWD
#   (teacher PSPNet R101-d8: 79.76). mmseg's pspnet/metafile.yaml lists the
#   same 74.87 and 79.76 for the two plain configs.
# Student: mmseg::pspnet/pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py (its
#   data set, 80k schedule, runtime and ImageNet-pretrained backbone
#   'open-mmlab://resnet18_v1c' are the base of this file)
# Teacher: mmseg::pspnet/pspnet_r101-d8_4xb2-80k_cityscapes-512x1024.py
# Teacher checkpoint: train the teacher config, or put mmseg's released
#   weights (the `Weights` entry of pspnet_r101-d8_4xb2-80k_cityscapes-
#   512x1024 in mmseg's configs/pspnet/metafile.yaml,
#   pspnet_r101-d8_512x1024_80k_cityscapes_20200606_112211-e1e1100f.pth) at
#   the path below; it is loaded strictly. Nothing is downloaded by mmkd.
# Train (4 GPUs x 2 images, as published):
#   bash tools/dist_train.sh \
#       configs/mmseg/cwd/cwd_logits_pspnet_r101-r18_4xb2-80k_cityscapes-512x1024.py 4
#   (or: --cfg-options model.teacher_ckpt=/path/to/teacher.pth)
_base_ = ['mmseg::pspnet/pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py']

teacher_ckpt = 'checkpoints/pspnet_r101-d8_512x1024_80k_cityscapes.pth'

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(cfg_path='mmseg::pspnet/'
                      'pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py'),
    teacher=dict(cfg_path='mmseg::pspnet/'
                 'pspnet_r101-d8_4xb2-80k_cityscapes-512x1024.py'),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        # the logits before mmseg resizes them; the teacher stops right after
        # its decode head (no auxiliary head, no loss)
        student_distill_layer=['decode_head.conv_seg'],
        teacher_distill_layer=['decode_head.conv_seg'],
        loss=[dict(type='ChannelWiseDivergence', tau=1.0, loss_weight=5.0)]))

# the run's default scope is mmseg's (from the base), so mmkd's types carry
# their scope
custom_hooks = [dict(type='mmkd.EvaluateTeacherHook')]
