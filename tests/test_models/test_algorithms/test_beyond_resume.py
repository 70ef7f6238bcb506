"""Each algorithm beyond one teacher resumes exactly: 2 steps, a checkpoint,
2 more steps after --resume give bit for bit the weights and optimizer state
of 4 uninterrupted steps (CPU), from the digits configs.

Same arithmetic on both sides, so bit for bit. Planted errors this catches:
the optimizer state not restored on resume (momentum / Adam moments from
zero), and the random state not restored (DAFL's noise, DML's data order
drawn again from the start)."""
import pytest
import torch
from beyond_utils import model_state, short_cfg, teacher_ckpts
from mmengine.runner import Runner

from mmkd.utils.checkpoint_loader import safe_checkpoint_loading

pytestmark = pytest.mark.numeric


@pytest.fixture(scope='module')
def ckpts(tmp_path_factory):
    return teacher_ckpts(str(tmp_path_factory.mktemp('teachers')))


def _tensors(tree, prefix=''):
    """Every tensor of a nested dict/list, by path."""
    if torch.is_tensor(tree):
        return {prefix: tree}
    items = tree.items() if isinstance(tree, dict) else enumerate(tree) \
        if isinstance(tree, (list, tuple)) else ()
    out = {}
    for key, value in items:
        out.update(_tensors(value, f'{prefix}/{key}'))
    return out


@pytest.mark.parametrize('name',
                         ['multi_teacher', 'self_distill', 'dml', 'dafl'])
def test_resume_is_exact(name, ckpts, tmp_path):
    # 8 samples in batches of 4: 2 steps per epoch, a checkpoint per epoch
    straight = Runner.from_cfg(short_cfg(name, tmp_path / 'straight', ckpts))
    straight.train()
    assert straight.iter == 4
    cfg = short_cfg(name, tmp_path / 'resumed', ckpts)
    cfg.resume, cfg.load_from = True, str(tmp_path / 'straight/epoch_1.pth')
    resumed = Runner.from_cfg(cfg)
    with safe_checkpoint_loading():
        resumed.train()
    assert resumed.iter == 4
    # it resumed: epoch 1 was not trained (nor saved) again
    assert not (tmp_path / 'resumed/epoch_1.pth').exists()
    expected, got = model_state(straight), model_state(resumed)
    assert expected.keys() == got.keys()
    for key in expected:
        assert torch.equal(expected[key], got[key]), key
    # the optimizer state (momentum / Adam moments) too
    first = torch.load(tmp_path / 'straight/epoch_2.pth', weights_only=False)
    second = torch.load(tmp_path / 'resumed/epoch_2.pth', weights_only=False)
    opt_a, opt_b = _tensors(first['optimizer']), _tensors(second['optimizer'])
    assert opt_a and opt_a.keys() == opt_b.keys()
    for key in opt_a:
        assert torch.equal(opt_a[key], opt_b[key]), key
    # and no frozen teacher in either checkpoint
    assert not any(
        k.startswith(('teacher', 'frozen')) for k in first['state_dict'])
