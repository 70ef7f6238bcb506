"""torchvision and timm networks as teachers of an mmpretrain student,
through mmkd's tools: the example configs train on the generated tiny
ImageNet-layout set from plain torchvision/timm state dicts (random
initialisation saved locally: nothing is downloaded)."""
import os.path as osp
import re
import sys

import pytest
import torch
from data_utils import make_tiny_imagenet
from tool_utils import REPO, run_tool

TINY = osp.join(REPO, 'configs', 'mmpretrain', 'tiny')


def torchvision_resnet50():
    import torchvision
    return torchvision.models.resnet50(num_classes=4)


def timm_resnet18():
    import timm
    return timm.create_model('resnet18', pretrained=False, num_classes=4)


CASES = {
    'kd_tv-resnet50-resnet18_tiny-in.py': torchvision_resnet50,
    'kd_timm-resnet18-resnet18_tiny-in.py': timm_resnet18,
}


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    # 8 training images: one batch per epoch
    return make_tiny_imagenet(
        str(tmp_path_factory.mktemp('tiny_in')), num_train=2, num_val=1)


@pytest.mark.parametrize('config', sorted(CASES))
def test_external_teacher_trains_from_its_own_state_dict(
        config, data_root, tmp_path):
    torch.manual_seed(0)
    teacher = CASES[config]()
    ckpt = tmp_path / 'teacher.pth'
    torch.save(teacher.state_dict(), ckpt)  # the library's own keys
    opts = [
        'train_cfg.max_epochs=1', 'randomness.seed=0',
        f'model.teacher_ckpt={ckpt}'
    ]
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        opts.append(f'{loader}.dataset.data_root={data_root}')
    proc = run_tool([
        sys.executable, 'tools/train.py',
        osp.join(TINY, config), '--work-dir',
        str(tmp_path / 'work'), '--cfg-options', *opts
    ])
    output = proc.stdout + proc.stderr
    assert 'Teacher(val)    accuracy/top1: ' in output
    match = re.search(
        r'loss: ([0-9.]+)\s+student\.loss: ([0-9.]+)\s+'
        r'distill\.loss_kd: ([0-9.]+)', output)
    assert match, output[-3000:]
    total, student, distill = map(float, match.groups())
    assert distill > 0 and abs(total - student - distill) <= 2e-4
    saved = torch.load(
        tmp_path / 'work' / 'epoch_1.pth', weights_only=False)['state_dict']
    assert not any(k.startswith('teacher') for k in saved)


def test_torchvision_wrapper_keeps_torchvision_keys_and_normalisation():
    from mmkd.models.classifiers import TorchvisionClassifier
    model = TorchvisionClassifier('resnet18', num_classes=4)
    plain = __import__('torchvision').models.resnet18(num_classes=4)
    assert list(model.state_dict()) == list(plain.state_dict())
    model.load_state_dict(plain.state_dict())  # strict
    x = torch.randn(2, 3, 32, 32)
    assert torch.equal(model.eval()(x), plain.eval()(x))
    assert model.data_preprocessor._channel_conversion
    with pytest.raises(ValueError, match='not a torchvision'):
        TorchvisionClassifier('resnet_nope', num_classes=4)
