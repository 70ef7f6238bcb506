# Vanilla KD, resnet56 -> resnet20 on CIFAR-100 (the recipe of
# ../kd/kd_resnet56_resnet20_1xb64-240e_cifar100.py), trained
# from a teacher output cache (FKD, Shen & Xing, ECCV 2022): the teacher's
# top-10 logits for K=10 draws (crop offset + flip) of every training image
# are computed once; each epoch replays one stored draw per image and reads
# its soft label, so the teacher never runs during training.
# The online recipe's published top-1 is on its card
# (../kd/metafile.yml); not yet measured from a cache.
#   python tools/build_teacher_cache.py configs/kd/cached_kd/cached_kd_resnet56_resnet20.py \
#       --draws 10 --topk 10 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet56_cifar100/epoch_240.pth
#   bash tools/dist_train.sh configs/kd/cached_kd/cached_kd_resnet56_resnet20.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet56_cifar100/epoch_240.pth
# (several ranks: torchrun ... tools/build_teacher_cache.py ... --launcher
# pytorch writes one shard per rank). docs/teacher_cache.md
_base_ = '../kd/kd_resnet56_resnet20_1xb64-240e_cifar100.py'

model = dict(
    type='CachedTeacherDistill',
    # model.teacher and model.teacher_ckpt (from the base) name the teacher
    # the cache is built from; training does not build or load it
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
            cache_dir='work_dirs/teacher_cache/resnet56_cifar100',
            transforms=[
                dict(type='RecordedRandomCrop', crop_size=32, padding=4),
                dict(
                    type='RecordedRandomFlip',
                    prob=0.5,
                    direction='horizontal'),
                dict(type='PackClsInputs'),
            ]),
    ]))

# no teacher to evaluate; check the cache against the config instead, and
# log the recipe the run trains
custom_hooks = [dict(type='TeacherCacheCheckHook'), dict(type='RecipeHook')]
