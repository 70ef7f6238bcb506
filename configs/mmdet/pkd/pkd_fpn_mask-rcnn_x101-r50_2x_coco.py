# PKD on the FPN outputs for instance segmentation: Mask R-CNN X101-64x4d
# (teacher) -> Mask R-CNN R50 (student), 2x schedule, COCO; evaluated with
# box and mask mAP (the student config's CocoMetric on bbox and segm).
#
# Method: PKD, feature imitation with the Pearson correlation coefficient
#   (each channel standardised, then MSE / 2), on FPN levels P2-P5
#   (neck outputs 0-3), loss weight 6, the Faster R-CNN recipe of MMRazor
#   applied unchanged to Mask R-CNN.
# Paper: Cao et al., "PKD: General Distillation Framework for Object
#   Detectors via Pearson Correlation Coefficient", NeurIPS 2022
#   (arXiv:2207.02039).
# Published numbers: NONE for this pair with PKD. The PKD paper and MMRazor
#   report detection only; the distilled target of this config is not
#   published. Reference points, COCO val2017, Mask R-CNN R50 2x student:
#   - baseline bbox 39.2 / mask 35.4 (mmdet's mask-rcnn_r50_fpn_2x_coco; the
#     baseline both papers below start from)
#   - FGD (Yang et al., "Focal and Global Knowledge Distillation for
#     Detectors", CVPR 2022): bbox 39.2 -> 42.1, mask 35.4 -> 37.8
#   - MGD (Yang et al., "Masked Generative Distillation", ECCV 2022):
#     mask 35.4 -> 38.1
#   Those are other losses with their own (stronger) teachers, not PKD and
#   not this teacher: they show what feature distillation reaches on this
#   student, not what this config will reach.
#   Teacher here: mmdet's Mask R-CNN X101-64x4d 1x, bbox 42.8 / mask 38.4.
# Student: mmdet::mask_rcnn/mask-rcnn_r50_fpn_2x_coco.py (its dataset,
#   2x schedule, runtime, backbone init and bbox+segm evaluator are the base)
# Teacher: mmdet::mask_rcnn/mask-rcnn_x101-64x4d_fpn_1x_coco.py
# Teacher checkpoint: train the teacher config, or put mmdet's released
#   mask-rcnn_x101-64x4d_fpn_1x_coco weights (the `Weights` entry of mmdet's
#   configs/mask_rcnn/metafile.yml) at the path below; it is loaded
#   strictly. Nothing is downloaded by this config.
# Train (8 GPUs x 2 images):
#   bash tools/dist_train.sh \
#       configs/mmdet/pkd/pkd_fpn_mask-rcnn_x101-r50_2x_coco.py 8
#   (or: --cfg-options model.teacher_ckpt=/path/to/teacher.pth)
_base_ = ['mmdet::mask_rcnn/mask-rcnn_r50_fpn_2x_coco.py']

teacher_ckpt = 'checkpoints/mask-rcnn_x101-64x4d_fpn_1x_coco.pth'

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(
        cfg_path='mmdet::mask_rcnn/mask-rcnn_r50_fpn_2x_coco.py'),
    teacher=dict(
        cfg_path='mmdet::mask_rcnn/mask-rcnn_x101-64x4d_fpn_1x_coco.py'),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        # the neck's output is the tuple of FPN levels (P2-P6); PKD uses P2-P5
        student_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        teacher_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        distill_losses={
            f'loss_pkd_fpn{i}': dict(type='PKDLoss', loss_weight=6.0)
            for i in range(4)
        },
        loss_forward_mappings={
            f'loss_pkd_fpn{i}':
            dict(
                student=dict(recorder='fpn', from_student=True, data_idx=i),
                teacher=dict(recorder='fpn', from_student=False, data_idx=i))
            for i in range(4)
        }))

# the run's default scope is mmdet's (from the base), so mmkd's types carry
# their scope
custom_hooks = [dict(type='mmkd.EvaluateTeacherHook')]
