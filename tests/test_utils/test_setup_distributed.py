"""setup_distributed on a machine without CUDA writes the DDP wrapper's
config itself; the config's top-level find_unused_parameters (which MMEngine
reads only when it builds the wrapper) is carried into it, not ignored."""
import pytest
import torch
from mmengine.config import Config, ConfigDict

from mmkd.utils import setup_env


@pytest.fixture
def cpu_with_a_process_group(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    monkeypatch.setattr(setup_env.torch_dist, 'is_initialized', lambda: True)


@pytest.mark.parametrize('unused', [True, False, None])
def test_find_unused_parameters_reaches_the_wrapper(cpu_with_a_process_group,
                                                    unused):
    cfg = Config(dict() if unused is None else dict(
        find_unused_parameters=unused))
    setup_env.setup_distributed(cfg, 'pytorch')
    assert cfg.model_wrapper_cfg == dict(
        type='MMDistributedDataParallel',
        find_unused_parameters=bool(unused),
        device_ids=None)


def test_a_wrapper_of_the_config_is_kept(cpu_with_a_process_group):
    cfg = Config(
        dict(
            find_unused_parameters=True,
            model_wrapper_cfg=ConfigDict(type='MMDistributedDataParallel')))
    setup_env.setup_distributed(cfg, 'pytorch')
    assert cfg.model_wrapper_cfg == dict(
        type='MMDistributedDataParallel', device_ids=None)
