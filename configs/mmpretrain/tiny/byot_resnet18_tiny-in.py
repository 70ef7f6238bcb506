# The tiny version of configs/mmpretrain/byot/ (MMRazor's BYOT setting, from
# ../byot/byot_base.py): the small ResNet-18 (stage widths 8-64) teaches
# itself on the generated tiny ImageNet-layout set, three heads on the first
# ReLU of each of layer1-3's last block (8/16/32 channels at 8/4/2 px),
# each MMRazor's BYOT head (BYOTAuxHead), to 64 channels at 1 px. The network's own loss is logged as
# student.loss, each head's as aux.<stage>.loss_cls and
# distill.<stage>.loss_kd / loss_feature.
#   python tools/dataset_converters/make_tiny_imagenet.py data/tiny_imagenet
#   python tools/train.py configs/mmpretrain/tiny/byot_resnet18_tiny-in.py
_base_ = ['./resnet18_w8_tiny-in.py', '../byot/byot_base.py']

model = dict(
    _base_.byot,
    _delete_=True,
    _scope_='mmkd',
    architecture=dict(cfg_path='mmkd::mmpretrain/tiny/resnet18_w8_tiny-in.py'),
    aux_heads=[
        dict(_base_.head, source='backbone.layer1.1.relu', in_channels=8),
        dict(_base_.head, source='backbone.layer2.1.relu', in_channels=16),
        dict(
            _base_.head,
            source='backbone.layer3.1.relu',
            in_channels=32,
            hint=False)
    ])
