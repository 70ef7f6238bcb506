# The recipe behind RepDistiller's (and mdistiller's) CIFAR-100 numbers:
# ONE GPU, 64 images per step, SGD lr 0.05, momentum 0.9, wd 5e-4, x0.1 at
# epochs 150/180/210, 240 epochs (RepDistiller train_student.py defaults;
# the schedule is ../schedules/cifar_240e.py). The training tool divides
# total_batch_size over the processes (with SyncBN across them), so that
# `bash tools/dist_train.sh CONFIG 8` trains this recipe too: 8 x 8 images,
# lr 0.05, 240 epochs of 782 steps. RecipeHook logs the effective recipe
# and warns where it differs from this one.
recipe = dict(
    total_batch_size=64,
    lr=0.05,
    max_epochs=240,
    source='RepDistiller train_student.py: one GPU, batch 64, lr 0.05, '
    '240 epochs')
