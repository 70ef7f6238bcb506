import collections
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import _load_checkpoint

import mmkd  # noqa: F401  installs the safe loader into MMEngine
from mmkd.utils import UnsafeCheckpointError, add_safe_globals, safe_load


def _mmengine_like_checkpoint():
    buffer = HistoryBuffer()
    buffer.update(0.5, 2)
    buffer.update(0.25, 2)
    return dict(
        meta=dict(
            epoch=3,
            iter=30,
            seed=np.int64(7),
            lr=np.float64(0.05),
            dataset_meta=dict(classes=('a', 'b')),
            cfg='model = dict(type="resnet20")'),
        state_dict=collections.OrderedDict(
            weight=torch.randn(4, 3), bias=torch.zeros(4)),
        message_hub=dict(
            log_scalars=collections.OrderedDict(loss=buffer),
            runtime_info=dict(iter=30, arr=np.arange(5)),
            resumed_keys=dict(iter=True)),
        optimizer=dict(
            state={0: dict(momentum_buffer=torch.ones(2))},
            param_groups=[dict(lr=0.05, params=[0], foreach=None)]),
        param_schedulers=[
            dict(milestones=collections.Counter({150: 1, 180: 1}),
                 last_step=3, gamma=0.1)
        ],
        extras=dict(
            shape=torch.Size([2, 3]),
            dtype=torch.float16,
            device=torch.device('cpu'),
            half=torch.ones(2, dtype=torch.float16),
            param=torch.nn.Parameter(torch.ones(2)),
            blob=b'\x00\x01bytes',
            a_set={1, 2},
            fs=frozenset({3})))


def test_mmengine_checkpoint_round_trip(tmp_path):
    path = tmp_path / 'ckpt.pth'
    ckpt = _mmengine_like_checkpoint()
    torch.save(ckpt, path)

    loaded = safe_load(str(path), map_location='cpu')
    assert loaded['meta']['seed'] == 7
    assert isinstance(loaded['meta']['lr'], np.float64)
    assert torch.equal(loaded['state_dict']['weight'],
                       ckpt['state_dict']['weight'])
    buffer = loaded['message_hub']['log_scalars']['loss']
    assert isinstance(buffer, HistoryBuffer)
    assert buffer.mean() == pytest.approx((0.5 + 0.25) / 4)  # sum / count
    np.testing.assert_array_equal(
        loaded['message_hub']['runtime_info']['arr'], np.arange(5))
    assert loaded['param_schedulers'][0]['milestones'] == collections.Counter(
        {150: 1, 180: 1})
    assert loaded['extras']['shape'] == torch.Size([2, 3])
    assert loaded['extras']['dtype'] is torch.float16
    assert loaded['extras']['blob'] == b'\x00\x01bytes'
    assert isinstance(loaded['extras']['param'], torch.nn.Parameter)


def test_plain_torch_load_rejects_what_mmkd_loads(tmp_path):
    """The problem mmkd fixes: torch >= 2.6 refuses MMEngine's contents."""
    path = tmp_path / 'ckpt.pth'
    torch.save(_mmengine_like_checkpoint(), path)
    with pytest.raises(Exception, match='HistoryBuffer|Unsupported global'):
        torch.load(path, weights_only=True)
    assert safe_load(path)['meta']['epoch'] == 3


class _Exploit:
    marker = None

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def test_arbitrary_object_is_refused_not_executed(tmp_path):
    marker = tmp_path / 'pwned'
    _Exploit.marker = str(marker)
    path = tmp_path / 'evil.pth'
    torch.save(dict(state_dict={}, payload=_Exploit()), path)

    with pytest.raises(UnsafeCheckpointError) as info:
        safe_load(str(path))
    message = str(info.value)
    assert 'system' in message and 'evil.pth' in message
    assert 'add_safe_globals' in message
    assert not marker.exists()

    # MMEngine's loader (load_from, --resume, teacher checkpoints) too
    with pytest.raises(UnsafeCheckpointError):
        _load_checkpoint(str(path), map_location='cpu')
    assert not marker.exists()


class _Custom:

    def __init__(self, value):
        self.value = value


def test_unknown_class_refused_until_allowed(tmp_path):
    path = tmp_path / 'custom.pth'
    torch.save(dict(obj=_Custom(3)), path)
    with pytest.raises(UnsafeCheckpointError, match='_Custom'):
        safe_load(path)
    add_safe_globals(_Custom)
    assert safe_load(path)['obj'].value == 3


def test_mmengine_loader_uses_safe_loading(tmp_path):
    path = tmp_path / 'ckpt.pth'
    torch.save(_mmengine_like_checkpoint(), path)
    loaded = _load_checkpoint(str(path), map_location='cpu')
    assert isinstance(loaded['message_hub']['log_scalars']['loss'],
                      HistoryBuffer)


def test_missing_checkpoint_names_the_path(tmp_path):
    missing = osp.join(str(tmp_path), 'nope.pth')
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        _load_checkpoint(missing)


class _GetattrChain:
    """A crafted pickle that climbs from an allowed object with getattr."""

    def __reduce__(self):
        return (getattr, (collections.OrderedDict, '__class__'))


def test_getattr_is_only_for_history_buffer_methods(tmp_path):
    path = tmp_path / 'chain.pth'
    torch.save(dict(x=_GetattrChain()), path)
    with pytest.raises(UnsafeCheckpointError, match='getattr'):
        safe_load(path)
