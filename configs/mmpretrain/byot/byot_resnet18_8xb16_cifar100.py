# BYOT self-distillation of mmpretrain's CIFAR ResNet-18 on CIFAR-100:
# MMRazor 1.0.0's byot_resnet18_8xb16_cifar100. The dataset, schedule and
# runtime are ./resnet18_8xb16_cifar100.py's (8 GPUs x 16 images, lr 0.1,
# wd 5e-4, 250 epochs, x0.1 at 80/160/240); train_dataloader.batch_size is
# the total, which tools/train.py divides over the processes
# (recipe.total_batch_size). Three heads, on the stages MMRazor records
# (the first ReLU of each stage's last block: layer1-3, 64/128/256 channels
# at 32/16/8 px), each MMRazor's BYOT head (BYOTAuxHead: attention, then
# stride-2 separable convs to 512 channels at 4 px, pooling, a classifier).
# Recipe card (source, published top-1, deviations): metafile.yml.
#   bash tools/dist_train.sh \
#       configs/mmpretrain/byot/byot_resnet18_8xb16_cifar100.py 8
#   python tools/model_converters/export_student.py \
#       work_dirs/byot_resnet18_8xb16_cifar100/epoch_250.pth r18.pth
_base_ = ['./resnet18_8xb16_cifar100.py', './byot_base.py']

model = dict(
    _base_.byot,
    _delete_=True,
    _scope_='mmkd',
    architecture=dict(
        cfg_path='mmkd::mmpretrain/byot/resnet18_8xb16_cifar100.py'),
    aux_heads=[
        dict(_base_.head, source='backbone.layer1.1.relu', in_channels=64),
        dict(_base_.head, source='backbone.layer2.1.relu', in_channels=128),
        dict(
            _base_.head,
            source='backbone.layer3.1.relu',
            in_channels=256,
            hint=False)
    ])

train_dataloader = dict(batch_size=128)
recipe = dict(total_batch_size=128, lr=0.1, max_epochs=250)
