# MGD on the FPN outputs: RetinaNet X101-64x4d (teacher) -> RetinaNet R50
# (student), 2x schedule, COCO.
#
# Method: masked generative distillation. Per FPN level (all five, P3-P7)
#   an MGDConnector masks the student feature at random positions (ratio
#   lambda_mgd=0.65) and regenerates the teacher feature with conv3x3-ReLU-
#   conv3x3; MGDLoss = alpha_mgd * sum of squared errors / N, alpha_mgd=2e-5.
#   One loss and one connector per level (explicit form, data_idx picks the
#   level from the neck's output tuple): distill.loss_mgd_fpn0 ... fpn4.
#   As in MGD's (and MMRazor's) RetinaNet recipe, the student's neck and
#   head start from the teacher's weights (init_cfg below, applied by the
#   runner's init_weights from the same teacher checkpoint).
# Paper: Yang et al., "Masked Generative Distillation", ECCV 2022
#   (arXiv:2205.01529).
# Published (MMRazor's MGD README), COCO val2017 box mAP:
#   RetinaNet R50 2x baseline 37.4 -> 41.0 distilled
#   (teacher RetinaNet X101-64x4d 1x: 41.0)
# Student: mmdet::retinanet/retinanet_r50_fpn_2x_coco.py (its dataset,
#   2x schedule with lr 0.01, runtime and backbone init are the base; its
#   model is taken from the base so that neck/head init can be changed)
# Teacher: mmdet::retinanet/retinanet_x101-64x4d_fpn_1x_coco.py
# Teacher checkpoint: train the teacher config, or put mmdet's released
#   retinanet_x101-64x4d_fpn_1x_coco weights (the `Weights` entry of mmdet's
#   configs/retinanet/metafile.yml) at the path below; it is loaded
#   strictly, and its neck.* / bbox_head.* weights initialise the student's.
#   Nothing is downloaded by this config.
# Train (8 GPUs x 2 images, as published):
#   bash tools/dist_train.sh \
#       configs/mmdet/mgd/mgd_fpn_retinanet_x101-r50_2x_coco.py 8
#   (to use another path, override model.teacher_ckpt AND
#   model.architecture.neck.init_cfg.checkpoint and
#   model.architecture.bbox_head.init_cfg.checkpoint, or edit teacher_ckpt)
_base_ = ['mmdet::retinanet/retinanet_r50_fpn_2x_coco.py']

teacher_ckpt = 'checkpoints/retinanet_x101-64x4d_fpn_1x_coco.pth'

# the student: the base's RetinaNet R50, built in mmdet's scope, with neck
# and head inherited from the teacher
student = _base_.model
student._scope_ = 'mmdet'
student.neck.init_cfg = dict(
    type='Pretrained', prefix='neck.', checkpoint=teacher_ckpt)
student.bbox_head.init_cfg = dict(
    type='Pretrained', prefix='bbox_head.', checkpoint=teacher_ckpt)

model = dict(
    _delete_=True,
    _scope_='mmkd',
    type='SingleTeacherDistill',
    architecture=student,
    teacher=dict(
        cfg_path='mmdet::retinanet/retinanet_x101-64x4d_fpn_1x_coco.py'),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        teacher_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        connectors={
            f'mgd_fpn{i}':
            dict(
                type='MGDConnector',
                in_channels=256,
                out_channels=256,
                lambda_mgd=0.65)
            for i in range(5)
        },
        distill_losses={
            f'loss_mgd_fpn{i}': dict(type='MGDLoss', alpha_mgd=2e-5)
            for i in range(5)
        },
        loss_forward_mappings={
            f'loss_mgd_fpn{i}':
            dict(
                student=dict(
                    recorder='fpn',
                    from_student=True,
                    data_idx=i,
                    connector=f'mgd_fpn{i}'),
                teacher=dict(recorder='fpn', from_student=False, data_idx=i))
            for i in range(5)
        }))

# the run's default scope is mmdet's (from the base), so mmkd's types carry
# their scope
custom_hooks = [dict(type='mmkd.EvaluateTeacherHook')]
