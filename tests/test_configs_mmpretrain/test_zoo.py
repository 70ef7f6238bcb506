"""The mmpretrain zoo (configs/mmpretrain/<method>/, MMRazor's ImageNet
recipes as mmkd configs):

- each committed recipe card (metafile.yml) is the one its config and its
  folder's sources.yml generate (tools/misc/recipe_cards.py), and
  model-index.yml lists every metafile;
- each full-size config builds (random weights, nothing downloaded) and
  one training step on two small images gives the distill losses its card
  names, finite, with the logged ``loss`` the sum that is optimised;
- each tiny version (configs/mmpretrain/tiny/) trains 2 iterations through
  the runner on the generated ImageNet-layout set, from a teacher
  checkpoint loaded strictly, and tests once."""
import glob
import math
import os
import os.path as osp
import sys

import pytest
import torch
import yaml
from data_utils import make_tiny_imagenet
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from tool_utils import REPO

sys.path.insert(0, osp.join(REPO, 'tools', 'misc'))
import recipe_cards  # noqa: E402

ZOO = 'configs/mmpretrain/'
FOLDERS = tuple(f for f in recipe_cards.CARD_FOLDERS if f.startswith(ZOO))
CARDS = recipe_cards.cards_by_config(REPO, under=FOLDERS)
# the distill log keys of each method's configs (AB's stage 1: its own)
KEYS = {
    'ab': {'distill.loss_kl'},
    'ab_pretrain': {f'distill.loss_s{i}'
                    for i in (1, 2, 3, 4)},
    'crd': {'distill.loss_crd'},
    'kd': {'distill.loss_kd'},
    'dkd': {'distill.loss_dkd'},
    'dist': {'distill.loss_dist'},
    'wsld': {'distill.loss_wsld'},
    'rkd': {'distill.loss_rkd'},
    'fitnets': {'distill.loss_s3', 'distill.loss_s4', 'distill.loss_kl'},
    # tiny versions: test_zoo_ft_ofd.py
    'ft': {'distill.loss_s4'},
    'ft_pretrain': {'distill.loss_s4'},
    'ofd': {'distill.loss_1', 'distill.loss_2', 'distill.loss_3'},
}
METHODS = {k for k in KEYS if not k.endswith('_pretrain')}
TINY = {
    'ab': 'ab_resnet50-resnet18_tiny-in.py',
    'ab_pretrain': 'ab_pretrain_resnet50-resnet18_tiny-in.py',
    'crd': 'crd_resnet50-resnet18_tiny-in.py',
    'kd': 'kd_resnet34-resnet18_tiny-in.py',
    'dkd': 'dkd_resnet34-resnet18_tiny-in.py',
    'dist': 'dist_resnet34-resnet18_tiny-in.py',
    'wsld': 'wsld_resnet34-resnet18_tiny-in.py',
    'rkd': 'rkd_resnet34-resnet18_tiny-in.py',
    'fitnets': 'fitnets_resnet50-resnet18_tiny-in.py',
}

# the test's set has 4 training images per class, the README's 8
TINY_OPTIONS = {'crd': {'model.distiller.loss.0.n_data': 16}}


def method_of(path: str) -> str:
    return path[len(ZOO):].split('/')[0]


def keys_of(path: str) -> set:
    method = method_of(path)
    pretrain = f'{method}_pretrain'
    return KEYS[pretrain if f'/{pretrain}_' in path else method]


def test_every_zoo_config_has_a_card_and_every_method_a_readme():
    configs = sorted(
        osp.relpath(p, REPO)
        for p in glob.glob(osp.join(REPO, ZOO, '*', '*.py'))
        if '/tiny/' not in p and not p.endswith('_base.py')
        and osp.basename(osp.dirname(p)) in KEYS)
    assert configs and configs == sorted(CARDS)
    assert {f[len(ZOO):-1] for f in FOLDERS} == METHODS
    methods = {method_of(c) for c in CARDS}
    assert methods == METHODS
    with open(osp.join(REPO, 'model-index.yml')) as f:
        index = yaml.safe_load(f)['Import']
    for method in methods:
        assert f'{ZOO}{method}/metafile.yml' in index
        assert osp.isfile(osp.join(REPO, ZOO, method, 'README.md'))


@pytest.mark.parametrize('path', sorted(CARDS))
def test_card_is_what_the_config_generates(path):
    found = recipe_cards.check_config(path, CARDS[path])
    assert not found, '\n'.join(found)
    card = CARDS[path]
    assert 'Results' not in card  # published numbers only, labelled so
    for published in card['Metadata'].get('Published results', []):
        assert published['Source'].startswith('MMRazor')


def test_committed_zoo_metafiles_are_the_generated_ones():
    zoo = recipe_cards.metafiles(REPO, under=FOLDERS)
    assert {method_of(k) for k in zoo} == METHODS
    for path, text in zoo.items():
        with open(osp.join(REPO, path)) as f:
            assert f.read() == text, (
                f'{path} is stale: python tools/misc/recipe_cards.py --write')


class CatchOptimised(Hook):
    """Keeps each loss the optimizer wrapper is given."""

    def __init__(self):
        self.optimised = []

    def before_train(self, runner):
        wrapper = runner.optim_wrapper
        update = wrapper.update_params

        def update_params(loss, **kwargs):
            self.optimised.append(loss.detach().clone())
            return update(loss, **kwargs)

        wrapper.update_params = update_params


def check_log_vars(log_vars: dict, optimised: torch.Tensor, keys: set):
    assert log_vars['loss'] == optimised.item()
    parts = {k: v for k, v in log_vars.items() if k != 'loss'}
    assert {k for k in parts if k.startswith('distill.')} == keys, parts
    assert all(math.isfinite(float(v)) for v in parts.values()), parts
    summed = sum(parts.values())
    assert abs(log_vars['loss'] - summed) <= 1e-5 * max(1.0, abs(summed))


@pytest.mark.parametrize('path', sorted(CARDS))
def test_full_size_config_takes_a_step(path):
    from mmpretrain.structures import DataSample

    from mmkd.registry import MODELS
    cfg = Config.fromfile(osp.join(REPO, path))
    init_default_scope(cfg.default_scope)
    model_cfg = cfg.model.copy()
    model_cfg.setdefault('data_preprocessor', cfg.get('data_preprocessor'))
    model_cfg.update(teacher_ckpt=None, teacher_ckpt_optional=True)
    torch.manual_seed(0)
    algo = MODELS.build(model_cfg).train()
    wrapper = OptimWrapper(torch.optim.SGD(algo.parameters(), lr=0.0))
    optimised = []
    update = wrapper.update_params
    wrapper.update_params = lambda loss, **kw: (optimised.append(loss.detach(
    ).clone()), update(loss, **kw))[1]
    gen = torch.Generator().manual_seed(0)
    batch = dict(
        inputs=[
            torch.randint(
                0, 256, (3, 64, 64), generator=gen, dtype=torch.uint8)
            for _ in range(2)
        ],
        data_samples=[
            DataSample(metainfo=dict(sample_idx=k)).set_gt_label(label)
            for k, label in enumerate((3, 9))
        ])
    for module in algo.modules():  # what DatasetLabelsHook does (CRD)
        if hasattr(module, 'set_dataset_labels'):
            module.set_dataset_labels([k % 10 for k in range(module.n_data)])
    log_vars = algo.train_step(batch, optim_wrapper=wrapper)
    assert len(optimised) == 1
    check_log_vars(log_vars, optimised[0], keys_of(path))
    algo.teardown()


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    # 16 training images: 2 iterations of the tiny configs' batch of 8
    return make_tiny_imagenet(
        str(tmp_path_factory.mktemp('tiny_in')), num_train=4, num_val=1)


def teacher_checkpoint(cfg_path: str, path: str) -> str:
    """A checkpoint of the randomly initialised network of ``cfg_path``."""
    from mmpretrain import get_model

    from mmkd.utils.config_check import resolve_config_path
    torch.manual_seed(1)
    model = get_model(resolve_config_path(cfg_path))
    torch.save(dict(state_dict=model.state_dict()), path)
    return path


def train_tiny(method, data_root, work_dir, options=None, hooks=()):
    """Train the tiny version of ``method`` 2 iterations (one epoch) in
    ``work_dir``, check its logged losses and test it once."""
    from mmkd.cli import build_runner
    cfg = Config.fromfile(osp.join(REPO, ZOO, 'tiny', TINY[method]))
    cfg.merge_from_dict(dict(TINY_OPTIONS.get(method, {}), **(options or {})))
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = data_root
    os.makedirs(work_dir, exist_ok=True)
    cfg.model.teacher_ckpt = teacher_checkpoint(
        cfg.model.teacher.cfg_path, osp.join(work_dir, 'teacher.pth'))
    cfg.train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=1)
    cfg.param_scheduler = None
    cfg.work_dir = osp.join(work_dir, 'work')
    cfg.launcher = 'none'
    cfg.randomness = dict(seed=0)
    runner = build_runner(cfg)
    catch = CatchOptimised()
    for hook in (catch, ) + tuple(hooks):
        runner.register_hook(hook)
    runner.train()
    assert runner.iter == 2 and len(catch.optimised) == 2
    scalars = runner.message_hub.log_scalars
    logged = {
        k[len('train/'):]: v.data[0]
        for k, v in scalars.items() if k.startswith('train/') and ('loss' in k)
    }
    for step, optimised in enumerate(catch.optimised):
        check_log_vars({
            k: float(v[step])
            for k, v in logged.items()
        }, optimised, KEYS[method])
    metrics = runner.test()
    assert 0.0 <= metrics['accuracy/top1'] <= 100.0
    return runner


@pytest.mark.parametrize('method', sorted(set(TINY) - {'ab', 'ab_pretrain'}))
def test_tiny_version_trains_two_iterations_and_tests(method, data_root,
                                                      tmp_path):
    train_tiny(method, data_root, str(tmp_path))


class CatchStudent(Hook):
    """Keeps the student's weights as training starts."""

    def before_train(self, runner):
        self.state = {
            k: v.clone()
            for k, v in runner.model.architecture.state_dict().items()
        }


def test_tiny_ab_stage_two_starts_from_stage_one(data_root, tmp_path):
    """AB's two stages: the tiny stage 1 trains, tests and saves; stage 2
    trains and tests with the student that stage 1 saved."""
    first = train_tiny('ab_pretrain', data_root, str(tmp_path / 'stage1'))
    ckpt = osp.join(first.work_dir, 'epoch_1.pth')
    stage1 = {
        k[len('architecture.'):]: v
        for k, v in torch.load(ckpt, weights_only=False)['state_dict'].items()
        if k.startswith('architecture.')
    }
    catch = CatchStudent()
    train_tiny(
        'ab',
        data_root,
        str(tmp_path / 'stage2'),
        options={'model.architecture.init_cfg.checkpoint': ckpt},
        hooks=(catch, ))
    assert stage1 and sorted(catch.state) == sorted(stage1)
    for key, value in stage1.items():
        assert torch.equal(catch.state[key], value), key


@pytest.mark.parametrize('method', sorted(TINY))
def test_tiny_version_reads_the_teacher_its_readme_trains(method):
    """The README trains the tiny teacher with tools/train.py, then the
    tiny version: its teacher_ckpt is that run's last checkpoint."""
    cfg = Config.fromfile(osp.join(REPO, ZOO, 'tiny', TINY[method]))
    teacher = cfg.model.teacher.cfg_path
    name = osp.basename(teacher)[:-3]
    teacher_cfg = Config.fromfile(
        osp.join(REPO, 'configs', teacher[len('mmkd::'):]))
    epochs = teacher_cfg.train_cfg.max_epochs
    assert cfg.model.teacher_ckpt == f'work_dirs/{name}/epoch_{epochs}.pth'
    with open(osp.join(REPO, ZOO, method.split('_')[0], 'README.md')) as f:
        readme = f.read()
    assert f'python tools/train.py configs/mmpretrain/tiny/{name}.py' in readme
    assert f'python tools/train.py {ZOO}tiny/{TINY[method]}' in readme


def test_readme_tiny_commands_run_as_written(tmp_path):
    """The tiny section of the DKD README, each command as printed (from a
    folder that has the repository's configs and tools), with python
    this interpreter: the data, the teacher, then the tiny version on its
    teacher's checkpoint."""
    import re
    import shlex
    import subprocess
    with open(osp.join(REPO, ZOO, 'dkd', 'README.md')) as f:
        section = f.read().split('## Tiny version', 1)[1]
    block = re.findall(r'```bash\n(.*?)```', section, flags=re.S)[0]
    commands = [shlex.split(line) for line in block.strip().splitlines()]
    assert [c[:2] for c in commands
            ] == [['python', 'tools/dataset_converters/make_tiny_imagenet.py'],
                  ['python', 'tools/train.py'], ['python', 'tools/train.py']]
    for name in ('configs', 'tools'):
        os.symlink(osp.join(REPO, name), tmp_path / name)
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    for command in commands:
        proc = subprocess.run(
            [sys.executable] + command[1:],
            cwd=str(tmp_path),
            env=env,
            capture_output=True,
            text=True,
            timeout=600)
        assert proc.returncode == 0, (command, proc.stderr[-3000:])
    log = proc.stdout + proc.stderr
    assert re.search(r'distill\.loss_dkd: [0-9.]+', log), log[-3000:]
    assert (tmp_path / 'work_dirs' / 'dkd_resnet34-resnet18_tiny-in' /
            'epoch_4.pth').is_file()
