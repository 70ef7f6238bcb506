# PKD on the FPN outputs: RetinaNet X101-64x4d (teacher) -> RetinaNet R50
# (student), 2x schedule, COCO.
#
# Method: PKD, feature imitation with the Pearson correlation coefficient
#   (each channel standardised, then MSE / 2), on FPN levels P3-P6
#   (neck outputs 0-3), loss weight 10, as in MMRazor's recipe.
# Paper: Cao et al., "PKD: General Distillation Framework for Object
#   Detectors via Pearson Correlation Coefficient", NeurIPS 2022
#   (arXiv:2207.02039).
# Published (MMRazor's PKD README), COCO val2017 box mAP:
#   RetinaNet R50 2x baseline 37.4 -> 40.8 distilled
#   (teacher RetinaNet X101-64x4d 1x: 41.0)
# Student: mmdet::retinanet/retinanet_r50_fpn_2x_coco.py (its dataset,
#   2x schedule with lr 0.01, runtime and backbone init are the base)
# Teacher: mmdet::retinanet/retinanet_x101-64x4d_fpn_1x_coco.py
# Teacher checkpoint: train the teacher config, or put mmdet's released
#   retinanet_x101-64x4d_fpn_1x_coco weights (the `Weights` entry of mmdet's
#   configs/retinanet/metafile.yml) at the path below; it is loaded
#   strictly. Nothing is downloaded by this config.
# Train (8 GPUs x 2 images, as published):
#   bash tools/dist_train.sh \
#       configs/mmdet/pkd/pkd_fpn_retinanet_x101-r50_2x_coco.py 8
#   (or: --cfg-options model.teacher_ckpt=/path/to/teacher.pth)
_base_ = ['mmdet::retinanet/retinanet_r50_fpn_2x_coco.py']

teacher_ckpt = 'checkpoints/retinanet_x101-64x4d_fpn_1x_coco.pth'

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=dict(
        cfg_path='mmdet::retinanet/retinanet_r50_fpn_2x_coco.py'),
    teacher=dict(
        cfg_path='mmdet::retinanet/retinanet_x101-64x4d_fpn_1x_coco.py'),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        # the neck's output is the tuple of FPN levels (P3-P7); PKD uses P3-P6
        student_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        teacher_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        distill_losses={
            f'loss_pkd_fpn{i}': dict(type='PKDLoss', loss_weight=10.0)
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
