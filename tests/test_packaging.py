"""mmkd as a user installs it: a wheel, in a fresh virtual environment.

1. ``pip wheel`` builds mmkd from a copy of this source tree (the build
   writes ``mmkd/.mim`` and ``build/``, which must not touch the checkout).
2. A new virtual environment without system site-packages gets the wheel,
   non-editable, with ``pip install --no-index``: pip itself checks that
   the core requirements are met. They are met by the distributions of
   this test's own environment, made visible one by one (symlinks in a
   folder listed by a ``.pth`` file): torch, MMEngine, numpy, packaging and
   what they require, nothing else. That needs no network and no second
   copy of torch. There mmkd imports without mmcv installed and a
   plain-PyTorch ``Distiller`` trains a step.
3. The ``det`` extra's distributions (mmcv with its compiled ops, as built
   into pip's cache by tools/setup_env.sh, mmdet and their requirements)
   join the same way, ``pip install --no-index 'mmkd[det]'`` accepts them,
   and mmdet's own ``tools/train.py`` trains a user's config that inherits
   a tiny mmkd detection distillation config by
   ``_base_ = 'mmkd::...'`` and imports mmkd by ``custom_imports``, for two
   iterations on tiny COCO data written by the wheel's own
   ``make_tiny_coco.py``.

About 25 seconds on 2 CPU cores.
"""
import importlib.metadata as metadata
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
import textwrap
import venv
import zipfile

import pytest
from packaging.requirements import Requirement
from tool_utils import REPO

CORE_FORBIDDEN = ('mmcv', 'mmdet', 'mmseg', 'sklearn')
_TOP_LEVEL_IGNORE = shutil.ignore_patterns('.git', '.venv', 'build', 'dist',
                                           '*.egg-info', 'work_dirs', 'data',
                                           '.pytest_cache')
_ANYWHERE_IGNORE = shutil.ignore_patterns('.mim', '__pycache__', '*.pth',
                                          '*.pkl')


def SOURCE_IGNORE(directory, names):
    """What a clean checkout lacks: build outputs and data at the top level
    only (configs/kd/dist/ is a method's folder), caches anywhere."""
    ignored = set(_ANYWHERE_IGNORE(directory, names))
    if os.path.abspath(directory) == os.path.abspath(REPO):
        ignored |= set(_TOP_LEVEL_IGNORE(directory, names))
    return ignored


def _requirements(reqs, extras=()):
    """``(name, extras)`` of the requirements that apply (markers evaluated
    without an extra, and for each of ``extras``)."""
    found = []
    for line in reqs or ():
        req = Requirement(line)
        if req.marker is None or any(
                req.marker.evaluate(dict(extra=extra))
                for extra in ('', *extras)):
            found.append((req.name, tuple(sorted(req.extras))))
    return found


def _closure(names):
    """The installed distributions ``names`` need, requirements included
    (also those of the extras a requirement asks for, as torch asks for
    ``cuda-toolkit[cudart,...]``)."""
    found, todo, seen = {}, [(name, ()) for name in names], set()
    while todo:
        name, extras = todo.pop()
        key = re.sub(r'[-_.]+', '-', name).lower()
        if (key, extras) in seen:
            continue
        seen.add((key, extras))
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            pytest.skip(f'{name} is not installed in this environment '
                        '(make setup installs it), so it cannot be offered '
                        'to the fresh one')
        found[key] = dist
        todo += _requirements(dist.requires, extras)
    return found


def _top_level_entries(dist):
    """What a distribution put at the top of site-packages."""
    entries = {
        str(path).split('/', 1)[0]
        for path in (dist.files or ()) if not str(path).startswith('..')
    }
    entries.discard('__pycache__')
    return entries


def _expose(dists, folder, site_packages, pth_name):
    """Symlink the distributions into ``folder``; list it in a .pth."""
    os.makedirs(folder)
    for dist in dists:
        base = str(dist.locate_file(''))
        for entry in _top_level_entries(dist):
            target = osp.join(folder, entry)
            if osp.exists(osp.join(base, entry)) and not osp.lexists(target):
                os.symlink(osp.join(base, entry), target)
    with open(osp.join(site_packages, pth_name), 'w') as f:
        f.write(folder + '\n')


def _run(args, cwd, timeout=300):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(('PIP_', 'PYTHON', 'VIRTUAL_ENV'))
    }
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_DISABLE_PIP_VERSION_CHECK='1',
        OMP_NUM_THREADS='1')
    proc = subprocess.run(
        args,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f'{args} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}')
    return proc.stdout + proc.stderr


CORE_STEP = '''
import importlib.util, sys
import torch
import torch.nn.functional as F
import mmkd
from mmkd import Distiller
from mmkd.registry import MODELS

assert '{repo}' not in mmkd.__file__, mmkd.__file__
assert importlib.util.find_spec('mmcv') is None  # not installed at all
torch.manual_seed(0)
student = MODELS.build(dict(type='resnet8', num_classes=10))
teacher = MODELS.build(dict(type='resnet14', num_classes=10)).eval()
distiller = Distiller({{
    'student_model': student, 'teacher_model': teacher,
    'student_distill_layer': ['linear'], 'teacher_distill_layer': ['linear'],
    'loss': [dict(type='vanilla_kd', T=4)], 'weights': [0.2],
    'student_out_layer': ['linear'], 'device': 'cpu',
}})
optimizer = torch.optim.SGD(distiller.get_learnable_params(), lr=0.05,
                            momentum=0.9)
images, labels = torch.randn(4, 3, 32, 32), torch.tensor([0, 1, 2, 3])
before = student.linear.weight.detach().clone()
output, kd_loss = distiller.forward(images)
loss = F.cross_entropy(output, labels) + kd_loss
optimizer.zero_grad()
loss.backward()
optimizer.step()
assert kd_loss.item() > 0 and not torch.equal(before, student.linear.weight)
loaded = sorted(m for m in sys.modules if m.split('.')[0] in {forbidden})
assert not loaded, loaded
print('core step ok', mmkd.__file__)
'''

TEACHER_CKPT = '''
import os.path as osp, sys, torch
import mmkd
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmdet.registry import MODELS

tiny = osp.join(osp.dirname(mmkd.__file__), '.mim', 'configs', 'mmdet', 'tiny')
cfg = Config.fromfile(osp.join(tiny, 'retinanet_r34_fpn_tiny-coco.py'))
init_default_scope('mmdet')
torch.manual_seed(0)
teacher = MODELS.build(cfg.model)
torch.save(dict(state_dict=teacher.state_dict()), sys.argv[1])
'''

USER_CONFIG = '''
# a user's project: an mmkd recipe by scope, mmkd's modules by import
_base_ = 'mmkd::mmdet/tiny/cwd_fpn_retinanet_r34-r18_tiny-coco.py'
custom_imports = dict(imports=['mmkd'], allow_failed_imports=False)

data_root = '{data}/'
model = dict(teacher_ckpt='{teacher}')
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val2017.json')
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=1, val_interval=2)  # two iterations, no val
default_hooks = dict(logger=dict(interval=1))
randomness = dict(seed=0)
'''


def test_wheel_core_without_mmcv_then_mmdets_train_tool_with_the_det_extra(
        tmp_path):
    python = sys.executable
    # 1. the wheel, built from a copy of the source tree
    source = tmp_path / 'source'
    shutil.copytree(REPO, source, ignore=SOURCE_IGNORE, symlinks=True)
    _run([
        python, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation',
        '--no-index', '-w',
        str(tmp_path / 'dist'),
        str(source)
    ],
         cwd=tmp_path)
    wheel, = (tmp_path / 'dist').glob('mmkd-*.whl')
    with zipfile.ZipFile(wheel) as whl:
        names = whl.namelist()
        meta = whl.read(
            next(n for n in names
                 if n.endswith('.dist-info/METADATA'))).decode()
    assert 'mmkd_config_scope.pth' in names
    assert '_mmkd_config_scope.py' in names
    assert 'mmkd/.mim/configs/mmdet/tiny/cwd_fpn_retinanet_r34-r18_' \
        'tiny-coco.py' in names
    assert 'mmkd/.mim/model-index.yml' in names
    # test and demo fixtures ship as tools, not as runtime modules
    assert 'mmkd/.mim/tools/dataset_converters/tiny_coco.py' in names
    assert 'mmkd/.mim/demo/seed_runs.py' in names
    assert 'mmkd/utils/seed_runs.py' not in names
    requires = re.findall(r'^Requires-Dist: (.*)$', meta, flags=re.M)
    core = [name for name, _ in _requirements(requires)]
    det = {name for name, _ in _requirements(requires, ('det', ))} - set(core)
    assert sorted(core) == [
        'mmengine', 'numpy', 'packaging', 'setuptools', 'torch'
    ]
    assert det == {'mmcv', 'mmdet'}

    # 2. a fresh environment with the core only
    env_dir = tmp_path / 'env'
    venv.EnvBuilder(with_pip=False).create(env_dir)
    env_python = str(env_dir / 'bin' / 'python')
    site_packages = _run([
        env_python, '-c',
        'import sysconfig; print(sysconfig.get_paths()["purelib"])'
    ],
                         cwd=tmp_path).strip()
    core_dists = _closure(core)
    assert not set(core_dists) & {'mmcv', 'mmdet', 'mmsegmentation'}
    _expose(core_dists.values(), str(tmp_path / 'core'), site_packages,
            'offered_core.pth')
    pip = [
        python, '-m', 'pip', '--python', env_python, 'install', '--no-index'
    ]
    _run([*pip, str(wheel)], cwd=tmp_path)
    out = _run([
        env_python, '-c',
        CORE_STEP.format(repo=REPO, forbidden=set(CORE_FORBIDDEN))
    ],
               cwd=tmp_path)
    assert 'core step ok' in out and site_packages in out

    # 3. the det extra, then mmdet's own train tool on a user config
    det_dists = {k: v for k, v in _closure(det).items() if k not in core_dists}
    _expose(det_dists.values(), str(tmp_path / 'det'), site_packages,
            'offered_det.pth')
    out = _run([*pip, '--find-links',
                str(wheel.parent), 'mmkd[det]'],
               cwd=tmp_path)
    assert 'Requirement already satisfied: mmcv' in out
    mim = osp.join(site_packages, 'mmkd', '.mim')
    data = tmp_path / 'tiny_coco'
    _run([
        env_python,
        osp.join(mim, 'tools', 'dataset_converters', 'make_tiny_coco.py'),
        str(data), '--num-train', '4', '--num-val', '2'
    ],
         cwd=tmp_path)
    teacher = tmp_path / 'teacher.pth'
    _run([env_python, '-c', TEACHER_CKPT, str(teacher)], cwd=tmp_path)
    project = tmp_path / 'project'
    project.mkdir()
    (project / 'my_distill.py').write_text(
        textwrap.dedent(USER_CONFIG.format(data=data, teacher=teacher)))
    mmdet_train = _run([
        env_python, '-c', 'import mmdet, os.path as p; '
        'print(p.join(p.dirname(mmdet.__file__), ".mim/tools/train.py"))'
    ],
                       cwd=tmp_path).strip().splitlines()[-1]
    out = _run([
        env_python, mmdet_train, 'my_distill.py', '--work-dir',
        str(tmp_path / 'work_dir')
    ],
               cwd=project,
               timeout=600)
    assert 'distill.loss_channelwisedivergence' in out
    assert 'student.loss_cls' in out
    assert re.search(r'Epoch\(train\) \[1\]\[2/2\]', out), out[-3000:]
    assert (tmp_path / 'work_dir' / 'epoch_1.pth').is_file()
