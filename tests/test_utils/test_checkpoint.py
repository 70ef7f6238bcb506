import collections
import functools
import http.server
import os
import os.path as osp
import socket
import subprocess
import sys
import threading

import numpy as np
import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint

from mmkd.utils import UnsafeCheckpointError, add_safe_globals
from mmkd.utils import checkpoint as checkpoint_module
from mmkd.utils import (checkpoint_loader, install_safe_checkpoint_loader,
                        load_checkpoint_safely, safe_checkpoint_loading,
                        safe_load)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


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
            runtime_info=dict(
                iter=30, arr=np.arange(5), f32=np.ones(2, np.float32)),
            resumed_keys=dict(iter=True)),
        optimizer=dict(
            state={0: dict(momentum_buffer=torch.ones(2))},
            param_groups=[dict(lr=0.05, params=[0], foreach=None)]),
        param_schedulers=[
            dict(
                milestones=collections.Counter({
                    150: 1,
                    180: 1
                }),
                last_step=3,
                gamma=0.1)
        ],
        extras=dict(
            shape=torch.Size([2, 3]),
            dtype=torch.float16,
            device=torch.device('cpu'),
            half=torch.ones(2, dtype=torch.float16),
            param=torch.nn.Parameter(torch.ones(2)),
            blob=b'\x00\x01bytes',
            a_set={1, 2},
            fs=frozenset({3}),
            cfg=ConfigDict(a=1, b=dict(c=[1, 2]))))


@pytest.fixture(params=['torch allow-list', 'restricted unpickler'])
def unpickler(request, monkeypatch):
    """Every loading test runs through both implementations: torch's
    weights-only unpickler with mmkd's allow-list (torch >= 2.6) and mmkd's
    own restricted unpickler (older torch, and the structural fallback)."""
    if request.param == 'torch allow-list':
        if not checkpoint_module.TORCH_ALLOW_LIST:
            pytest.skip('torch < 2.6 has no (object, name) allow-list')
    else:
        monkeypatch.setattr(checkpoint_module, 'TORCH_ALLOW_LIST', False)
    return request.param


def test_mmengine_checkpoint_round_trip(tmp_path, unpickler):
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
    assert buffer.statistics('max') == 0.5  # methods came through getattr
    runtime_info = loaded['message_hub']['runtime_info']
    np.testing.assert_array_equal(runtime_info['arr'], np.arange(5))
    assert runtime_info['f32'].dtype == np.float32
    assert loaded['param_schedulers'][0]['milestones'] == collections.Counter({
        150:
        1,
        180:
        1
    })
    extras = loaded['extras']
    assert extras['shape'] == torch.Size([2, 3])
    assert extras['dtype'] is torch.float16
    assert extras['blob'] == b'\x00\x01bytes'
    assert isinstance(extras['param'], torch.nn.Parameter)
    assert extras['a_set'] == {1, 2} and extras['fs'] == frozenset({3})
    assert isinstance(extras['cfg'], ConfigDict)
    assert extras['cfg'].b.c == [1, 2]


def test_file_objects_and_containers_torch_cannot_fill(tmp_path, unpickler):
    """torch's unpickler fills only dict/OrderedDict/Counter/list; mmkd
    reads such files again with its own unpickler (same allow-list)."""
    default = collections.defaultdict(list, a=[1])
    path = tmp_path / 'containers.pth'
    torch.save(dict(d=default, q=collections.deque([1, 2])), path)
    with open(path, 'rb') as f:
        loaded = safe_load(f)
    assert loaded['d'] == default and loaded['d'].default_factory is list
    assert loaded['q'] == collections.deque([1, 2])


def test_plain_torch_load_rejects_what_mmkd_loads(tmp_path):
    """The problem mmkd fixes: torch >= 2.6 refuses MMEngine's contents."""
    path = tmp_path / 'ckpt.pth'
    torch.save(_mmengine_like_checkpoint(), path)
    with pytest.raises(Exception, match='HistoryBuffer|Unsupported global'):
        torch.load(path, weights_only=True)
    assert safe_load(path)['meta']['epoch'] == 3


def test_loading_leaves_torchs_allow_list_as_it_was(tmp_path):
    path = tmp_path / 'ckpt.pth'
    torch.save(_mmengine_like_checkpoint(), path)
    if not hasattr(torch.serialization, 'get_safe_globals'):
        pytest.skip('torch < 2.4 has no allow-list')
    with torch.serialization.safe_globals([HistoryBuffer]):
        before = set(torch.serialization.get_safe_globals())
        safe_load(path)
        # what the user allowed stays, what mmkd added is gone
        assert set(torch.serialization.get_safe_globals()) == before


class _Exploit:
    marker = None

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def test_arbitrary_object_is_refused_not_executed(tmp_path, unpickler):
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
        load_checkpoint_safely(str(path))
    assert not marker.exists()


class _Custom:

    def __init__(self, value):
        self.value = value


def test_unknown_class_refused_until_allowed(tmp_path, unpickler, monkeypatch):
    monkeypatch.setattr(checkpoint_module, '_USER_ALLOWED', {})
    path = tmp_path / 'custom.pth'
    torch.save(dict(obj=_Custom(3)), path)
    with pytest.raises(UnsafeCheckpointError, match='_Custom'):
        safe_load(path)
    add_safe_globals(_Custom)
    assert safe_load(path)['obj'].value == 3


class _GetattrChain:
    """A crafted pickle that climbs from an allowed object with getattr."""

    def __reduce__(self):
        return (getattr, (collections.OrderedDict, '__class__'))


def test_getattr_is_only_for_history_buffer_methods(tmp_path, unpickler):
    path = tmp_path / 'chain.pth'
    torch.save(dict(x=_GetattrChain()), path)
    with pytest.raises(UnsafeCheckpointError, match='getattr'):
        safe_load(path)


# ------------------------------------------------ MMEngine's CheckpointLoader
def _schemes():
    return dict(CheckpointLoader._schemes)


def test_context_switches_every_source_and_restores_mmengines(tmp_path):
    before = _schemes()
    custom = object()  # someone registers a scheme while we are inside
    with safe_checkpoint_loading():
        for url in ('ckpt.pth', 'http://h/c.pth', 'https://h/c.pth',
                    'torchvision://resnet50', 'open-mmlab://resnet50_v1c',
                    'mmcls://resnet50', 's3://bucket/c.pth'):
            loader = CheckpointLoader._get_checkpoint_loader(url)
            assert loader.__module__ == checkpoint_loader.__name__, url
        CheckpointLoader._schemes['custom://'] = custom
    after = _schemes()
    assert after.pop('custom://') is custom
    assert after == before
    # MMEngine's order: reverse-sorted, so longer prefixes match first
    assert list(CheckpointLoader._schemes) == sorted(
        CheckpointLoader._schemes, reverse=True)
    CheckpointLoader._schemes.pop('custom://')


def test_context_restores_after_an_error(tmp_path):
    before = _schemes()
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        with safe_checkpoint_loading():
            _load_checkpoint(str(tmp_path / 'nope.pth'))
    assert _schemes() == before


def test_load_checkpoint_safely_changes_nothing_global(tmp_path):
    path = tmp_path / 'ckpt.pth'
    torch.save(_mmengine_like_checkpoint(), path)
    before = _schemes()
    loaded = load_checkpoint_safely(str(path), logger='silent')
    assert isinstance(loaded['message_hub']['log_scalars']['loss'],
                      HistoryBuffer)
    assert _schemes() == before
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_checkpoint_safely(str(tmp_path / 'nope.pth'), logger='silent')


def test_install_for_the_whole_process(tmp_path):
    path = tmp_path / 'ckpt.pth'
    torch.save(_mmengine_like_checkpoint(), path)
    before = _schemes()
    try:
        install_safe_checkpoint_loader()
        install_safe_checkpoint_loader()  # twice is fine
        loaded = _load_checkpoint(str(path), map_location='cpu')
        assert isinstance(loaded['message_hub']['log_scalars']['loss'],
                          HistoryBuffer)
    finally:
        CheckpointLoader._schemes = before


def test_import_mmkd_changes_nothing():
    code = '\n'.join([
        'import sys',
        'from mmengine.runner.checkpoint import CheckpointLoader',
        'before = dict(CheckpointLoader._schemes)',
        'import mmkd, mmkd.utils, mmkd.registry',
        'assert dict(CheckpointLoader._schemes) == before',
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('mmcv', 'mmdet', 'mmseg')))",
    ])
    proc = subprocess.run([sys.executable, '-c', code],
                          cwd=REPO,
                          env=dict(os.environ, PYTHONPATH=REPO),
                          capture_output=True,
                          text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == '[]'


# ------------------------------------------------------------- over http
class _CountingHandler(http.server.SimpleHTTPRequestHandler):
    requests = None

    def do_GET(self):
        self.requests.append(self.path)
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture
def http_root(tmp_path):
    """A directory served on 127.0.0.1; yields (root dir, base URL, list
    of requested paths)."""
    root = tmp_path / 'served'
    root.mkdir()
    requests = []
    handler = type('Handler', (_CountingHandler, ), dict(requests=requests))
    server = http.server.ThreadingHTTPServer(
        ('127.0.0.1', 0), functools.partial(handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f'http://127.0.0.1:{server.server_address[1]}', requests
    server.shutdown()
    server.server_close()


def test_http_checkpoint_downloads_once_into_the_hub_cache(
        http_root, tmp_path, monkeypatch):
    root, url, requests = http_root
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    torch.save(_mmengine_like_checkpoint(), root / 'teacher.pth')
    before = _schemes()
    for _ in range(2):
        loaded = load_checkpoint_safely(f'{url}/teacher.pth', logger='silent')
        assert loaded['meta']['epoch'] == 3
    assert requests == ['/teacher.pth']  # the second load used the cache
    assert osp.isfile(
        checkpoint_loader.download_cache_path(f'{url}/teacher.pth'))
    assert osp.dirname(
        checkpoint_loader.download_cache_path(f'{url}/teacher.pth')) == str(
            tmp_path / 'torch_home' / 'hub' / 'checkpoints')
    assert _schemes() == before


def test_http_model_dir_and_unsafe_download(http_root, tmp_path):
    root, url, requests = http_root
    torch.save(_mmengine_like_checkpoint(), root / 'ckpt.pth')
    model_dir = tmp_path / 'models'
    loaded = checkpoint_loader.load_from_http(
        f'{url}/ckpt.pth', map_location='cpu', model_dir=str(model_dir))
    assert loaded['meta']['epoch'] == 3
    assert osp.isfile(
        checkpoint_loader.download_cache_path(f'{url}/ckpt.pth',
                                              str(model_dir)))

    marker = tmp_path / 'pwned'
    _Exploit.marker = str(marker)
    torch.save(dict(payload=_Exploit()), root / 'evil.pth')
    with pytest.raises(UnsafeCheckpointError, match='system'):
        checkpoint_loader.load_from_http(
            f'{url}/evil.pth', model_dir=str(model_dir))
    assert not marker.exists()


def _load_over_http_in_rank(rank, port, url, model_dir, out_dir):
    torch.distributed.init_process_group(
        'gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank, world_size=2)
    try:
        loaded = checkpoint_loader.load_from_http(url, model_dir=model_dir)
        torch.save(loaded['state_dict'], osp.join(out_dir, f'{rank}.pth'))
    finally:
        torch.distributed.destroy_process_group()


def test_http_rank_zero_downloads_while_the_others_wait(http_root, tmp_path):
    root, url, requests = http_root
    ckpt = _mmengine_like_checkpoint()
    torch.save(ckpt, root / 'ckpt.pth')
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    torch.multiprocessing.spawn(
        _load_over_http_in_rank,
        args=(port, f'{url}/ckpt.pth', str(tmp_path / 'models'),
              str(tmp_path)),
        nprocs=2)
    assert requests == ['/ckpt.pth']
    for rank in (0, 1):
        state = torch.load(tmp_path / f'{rank}.pth', weights_only=True)
        assert torch.equal(state['weight'], ckpt['state_dict']['weight'])


def test_two_urls_with_one_file_name_are_two_downloads(http_root, tmp_path):
    root, url, requests = http_root
    for folder, value in (('a', 1.0), ('b', 2.0)):
        (root / folder).mkdir()
        torch.save(
            dict(state_dict=dict(w=torch.full((2, ), value))),
            root / folder / 'teacher.pth')
    model_dir = str(tmp_path / 'models')
    first = checkpoint_loader.load_from_http(
        f'{url}/a/teacher.pth', model_dir=model_dir)
    second = checkpoint_loader.load_from_http(
        f'{url}/b/teacher.pth', model_dir=model_dir)
    assert torch.equal(first['state_dict']['w'], torch.ones(2))
    assert torch.equal(second['state_dict']['w'], torch.full((2, ), 2.0))
    assert requests == ['/a/teacher.pth', '/b/teacher.pth']
    # each URL has its own cache file, and a second load reads it
    again = checkpoint_loader.load_from_http(
        f'{url}/b/teacher.pth', model_dir=model_dir)
    assert torch.equal(again['state_dict']['w'], torch.full((2, ), 2.0))
    assert len(requests) == 2
    assert checkpoint_loader.download_cache_path(
        f'{url}/a/teacher.pth', model_dir) != \
        checkpoint_loader.download_cache_path(f'{url}/b/teacher.pth',
                                              model_dir)


@pytest.mark.parametrize('algorithm', [False, True])
def test_pretrained_init_cfg_of_a_model_built_in_plain_python_is_safe(
        http_root, tmp_path, monkeypatch, algorithm):
    """``init_cfg=dict(type='Pretrained', checkpoint=URL)`` on a model that
    mmkd builds, outside the tools (nothing installed): the download is
    refused, not run; MMEngine's loaders are untouched afterwards."""
    from mmengine.runner import checkpoint as mmengine_checkpoint

    from mmkd.registry import MODELS
    root, url, _ = http_root
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    marker = tmp_path / 'pwned'
    _Exploit.marker = str(marker)
    torch.save(dict(state_dict={}, payload=_Exploit()), root / 'evil.pth')
    assert CheckpointLoader._schemes['http://'] is \
        mmengine_checkpoint.load_from_http  # MMEngine's own, unsafe one
    before = _schemes()

    net = dict(
        type='SimpleCNN',
        in_channels=1,
        channels=4,
        num_convs=1,
        num_classes=10,
        # mmkd's scope whatever default scope an earlier test left behind
        _scope_='mmkd',
        init_cfg=dict(type='Pretrained', checkpoint=f'{url}/evil.pth'))
    if algorithm:
        model = MODELS.build(
            dict(
                type='SingleTeacherDistill',
                _scope_='mmkd',
                architecture=net,
                teacher=dict(net, init_cfg=None),
                teacher_ckpt_optional=True,
                distiller=dict(
                    type='ConfigurableDistiller',
                    student_distill_layer=['linear'],
                    teacher_distill_layer=['linear'],
                    loss=[dict(type='KDLoss', tau=4)])))
    else:
        model = MODELS.build(net)
    with pytest.raises(UnsafeCheckpointError, match='system'):
        model.init_weights()
    assert not marker.exists()
    assert _schemes() == before

    # the payload is live: MMEngine's own http loader runs it
    CheckpointLoader.load_checkpoint(f'{url}/evil.pth', logger='silent')
    assert marker.exists()
