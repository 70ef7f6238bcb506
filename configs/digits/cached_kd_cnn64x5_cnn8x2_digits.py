# The digits demo's KD (0.1 * CE + 0.9 * KD, tau=4) from a teacher output
# cache: the cnn64x5 teacher's top-k logits for K random crops (1-pixel
# padding) of every training image are stored once; training replays a
# stored crop and reads its soft label, and never builds the teacher.
#   python tools/train.py configs/digits/cnn64x5_digits.py
#   python tools/build_teacher_cache.py configs/digits/cached_kd_cnn64x5_cnn8x2_digits.py \
#       --draws 32 --topk 10
#   python tools/train.py configs/digits/cached_kd_cnn64x5_cnn8x2_digits.py
# See docs/teacher_cache.md.
_base_ = ['./kd_cnn64x5_cnn8x2_digits.py']

model = dict(
    type='CachedTeacherDistill',
    # model.teacher and model.teacher_ckpt (from the base) name the teacher
    # the cache is built from; training does not build it
    distiller=dict(
        _delete_=True,
        type='ConfigurableDistiller',
        student_recorders=dict(
            logits=dict(type='ModuleOutputs', source='linear')),
        distill_losses=dict(
            loss_kd=dict(type='CachedKDLoss', tau=4, loss_weight=0.9)),
        loss_forward_mappings=dict(
            loss_kd=dict(student=dict(recorder='logits', from_student=True)))))

train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(
            type='TeacherCacheReplay',
            cache_dir='work_dirs/teacher_cache/cnn64x5_digits',
            transforms=[
                dict(type='RecordedRandomCrop', crop_size=8, padding=1),
                dict(type='PackClsInputs'),
            ]),
    ]))

custom_hooks = [dict(type='TeacherCacheCheckHook')]
