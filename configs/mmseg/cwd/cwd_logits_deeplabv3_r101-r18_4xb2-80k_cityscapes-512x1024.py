# Channel-wise distillation on the segmentation logits: DeepLabV3 R101-d8
# (teacher) -> DeepLabV3 R18-d8 (student), Cityscapes 512x1024, 80k
# iterations. The PSPNet recipe of cwd_logits_pspnet_r101-r18_4xb2-80k_
# cityscapes-512x1024.py applied unchanged (CWD on decode_head.conv_seg,
# tau 1, loss weight 5).
#
# Paper: Shu, Liu, Gao, Yan and Shen, "Channel-wise Knowledge Distillation
#   for Dense Prediction", ICCV 2021 (arXiv:2011.13256).
# Published numbers: NONE that we could source for this pair and schedule.
#   The CWD paper reports DeepLabV3 students in its own training setting, but
#   we did not read its table, and MMRazor publishes CWD for PSPNet only. The
#   plain configs' own numbers, Cityscapes val mIoU (mmseg's
#   deeplabv3/metafile.yaml): student DeepLabV3 R18-d8 alone 76.70, teacher
#   DeepLabV3 R101-d8 80.20. The distilled target of this config is not
#   published.
# Student: mmseg::deeplabv3/deeplabv3_r18-d8_4xb2-80k_cityscapes-512x1024.py
#   (its data set, schedule, runtime and pretrained backbone are the base)
# Teacher: mmseg::deeplabv3/deeplabv3_r101-d8_4xb2-80k_cityscapes-512x1024.py
# Teacher checkpoint: train the teacher config, or put mmseg's released
#   weights (the `Weights` entry in mmseg's configs/deeplabv3/metafile.yaml,
#   deeplabv3_r101-d8_512x1024_80k_cityscapes_20200606_113503-9e428899.pth)
#   at the path below; it is loaded strictly. Nothing is downloaded by mmkd.
# Train (4 GPUs x 2 images):
#   bash tools/dist_train.sh \
#       configs/mmseg/cwd/cwd_logits_deeplabv3_r101-r18_4xb2-80k_cityscapes-512x1024.py 4
_base_ = ['mmseg::deeplabv3/deeplabv3_r18-d8_4xb2-80k_cityscapes-512x1024.py']

teacher_ckpt = 'checkpoints/deeplabv3_r101-d8_512x1024_80k_cityscapes.pth'

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(cfg_path='mmseg::deeplabv3/'
                      'deeplabv3_r18-d8_4xb2-80k_cityscapes-512x1024.py'),
    teacher=dict(cfg_path='mmseg::deeplabv3/'
                 'deeplabv3_r101-d8_4xb2-80k_cityscapes-512x1024.py'),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=['decode_head.conv_seg'],
        teacher_distill_layer=['decode_head.conv_seg'],
        loss=[dict(type='ChannelWiseDivergence', tau=1.0, loss_weight=5.0)]))

custom_hooks = [dict(type='mmkd.EvaluateTeacherHook')]
