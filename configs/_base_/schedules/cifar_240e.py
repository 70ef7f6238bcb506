# The standard CIFAR-100 recipe of RepDistiller (see docs): SGD, momentum 0.9,
# lr 0.05 for batch 64, x0.1 at epochs 150/180/210, 240 epochs, wd 5e-4.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4))
param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[150, 180, 210], gamma=0.1)

train_cfg = dict(by_epoch=True, max_epochs=240, val_interval=1)
val_cfg = dict()
test_cfg = dict()

# the learning rate above is for a total batch of 64 (1 process x 64);
# --auto-scale-lr scales it linearly for other totals
auto_scale_lr = dict(enable=False, base_batch_size=64)
