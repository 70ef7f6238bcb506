"""One short training run per CIFAR distillation method: its
resnet56 -> resnet20 config (RepDistiller's recipe) trains two iterations
(batch 2) on a generated 4-image CIFAR-100 archive, init stage included
(one epoch), with finite losses. Methods at even positions here, the others
in test_smoke_train_odd.py (both xdist workers)."""
import os.path as osp

import pytest
from kd_config_utils import (REPO, SMOKE, distill_losses, make_two_iter_cifar,
                             run_two_iters)
from mmengine.config import Config

from mmkd.models.recorders import unwrap_model


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    return make_two_iter_cifar(str(tmp_path_factory.mktemp('cifar')))


@pytest.fixture(autouse=True)
def quick_config_text(monkeypatch):
    """The runner logs and dumps the whole config formatted by yapf (about
    two seconds a run here); the raw text serves these runs as well."""
    monkeypatch.setattr(Config, 'pretty_text',
                        property(lambda self: self.text))


def smoke(path, data_root, tmp_path):
    runner = run_two_iters(path, tmp_path, data_root)
    cfg = Config.fromfile(osp.join(REPO, path))
    hooks = [h['type'] for h in cfg.custom_hooks]
    model = unwrap_model(runner.model)
    recipe = runner.message_hub.get_info('effective_recipe')
    assert recipe['total_batch_size'] == 2 and recipe['max_iters'] == 2
    if 'InitStageHook' in hooks:
        stage = [h for h in cfg.custom_hooks
                 if h['type'] == 'InitStageHook'][0]
        if stage['after'] == 'student_only':
            # AB, FSP: the init stage distilled, the main stage is CE only
            assert model.distillation_stopped
            assert not distill_losses(runner)
            return
    losses = distill_losses(runner)
    assert losses and all(key.startswith('distill.loss_') for key in losses)


@pytest.mark.parametrize('path', SMOKE[0::2])
def test_method_trains_two_iterations(path, data_root, tmp_path):
    smoke(path, data_root, tmp_path)
