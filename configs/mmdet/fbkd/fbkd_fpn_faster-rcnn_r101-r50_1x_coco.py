# FBKD on the FPN outputs: Faster R-CNN R101 (teacher) -> Faster R-CNN R50
# (student), 1x schedule, COCO.
#
# Method: FBKD, attention-guided distillation (spatial and channel attention
#   masks, tau=0.5; attention-masked feature loss 7e-5, attention loss 4e-3)
#   plus non-local distillation (learned non-local blocks on both sides,
#   L2 between them, 7e-5), one FBKDLoss per FPN level P2-P5 (neck outputs
#   0-3, as MMRazor's recipe; the official code also distils P6) with the
#   official code's non-local max-pool strides 8, 4, 2, 2 and inner
#   channels 64, 64, 128, 128.
# Paper: Zhang & Ma, "Improve Object Detection with Feature-based Knowledge
#   Distillation: Towards Accurate and Efficient Detectors", ICLR 2021
#   (https://openreview.net/forum?id=uKhGRvM8QNH).
# Published, COCO val2017 box mAP (MMRazor's FBKD README and metafile,
#   configs/distill/mmdet/fbkd, 1x): Faster R-CNN R50 student 37.4 -> 39.3
#   distilled, teacher Faster R-CNN R101 39.4 (the student's and teacher's
#   numbers are mmdet's faster-rcnn_r50/r101_fpn_1x_coco checkpoints).
# Student: mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py (its dataset,
#   1x schedule, runtime and backbone init are the base of this file)
# Teacher: mmdet::faster_rcnn/faster-rcnn_r101_fpn_1x_coco.py
# Teacher checkpoint: train the teacher config, or put mmdet's released
#   faster_rcnn_r101_fpn_1x_coco weights (the `Weights` entry of mmdet's
#   configs/faster_rcnn/metafile.yml) at the path below; it is loaded
#   strictly. Nothing is downloaded by this config.
# Train (8 GPUs x 2 images, as published):
#   bash tools/dist_train.sh \
#       configs/mmdet/fbkd/fbkd_fpn_faster-rcnn_r101-r50_1x_coco.py 8
#   (or: --cfg-options model.teacher_ckpt=/path/to/teacher.pth)
_base_ = ['mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py']

teacher_ckpt = 'checkpoints/faster_rcnn_r101_fpn_1x_coco.pth'

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(
        cfg_path='mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py'),
    teacher=dict(
        cfg_path='mmdet::faster_rcnn/faster-rcnn_r101_fpn_1x_coco.py'),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        # the neck's output is the tuple of FPN levels (P2-P6); FBKD uses
        # P2-P5
        student_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        teacher_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        distill_losses={
            f'loss_fbkd_fpn{i}':
            dict(
                type='FBKDLoss',
                in_channels=256,
                # max-pool stride and inner channels of the non-local blocks
                downsample_stride=(8, 4, 2, 2)[i],
                inter_channels=(64, 64, 128, 128)[i])
            for i in range(4)
        },
        loss_forward_mappings={
            f'loss_fbkd_fpn{i}':
            dict(
                student=dict(recorder='fpn', from_student=True, data_idx=i),
                teacher=dict(recorder='fpn', from_student=False, data_idx=i))
            for i in range(4)
        }))

# the run's default scope is mmdet's (from the base), so mmkd's types carry
# their scope
custom_hooks = [dict(type='mmkd.EvaluateTeacherHook')]
