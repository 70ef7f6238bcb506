# The recipe RepDistiller trains its CIFAR-100 teachers (and the students
# trained alone) with: ONE GPU, 64 images per step, SGD lr 0.05, momentum
# 0.9, wd 5e-4, x0.1 at epochs 150/180/210, 240 epochs (the defaults of
# train_teacher.py, https://github.com/HobbitLong/RepDistiller; the
# schedule is ../schedules/cifar_240e.py). The training tool divides
# total_batch_size over the processes (with SyncBN across GPUs), so that
# `bash tools/dist_train.sh CONFIG 8` trains this recipe too; RecipeHook
# logs the effective recipe and stops a run that would train another one
# (--cfg-options recipe.mismatch=warn trains it anyway, with a warning).
recipe = dict(
    total_batch_size=64,
    lr=0.05,
    max_epochs=240,
    source='RepDistiller train_teacher.py: one GPU, batch 64, lr 0.05, '
    '240 epochs')

custom_hooks = [dict(type='RecipeHook')]
