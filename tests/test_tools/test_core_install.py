"""The core install (torch, MMEngine, numpy, packaging; no mmcv) trains the
digits KD config through tools/train.py, as the README says.

A fresh virtual environment is too slow for the suite, so the run happens
in a subprocess where mmcv (and mmdet, mmseg, which need it) look as if
they were not installed: ``sys.modules[name] = None`` before anything is
imported makes ``import mmcv`` raise ModuleNotFoundError and
``importlib.util.find_spec('mmcv')`` return None, as without mmcv. It
trains 2 iterations (one epoch of 2 batches of 8 images) from a randomly
initialised teacher checkpoint.
"""
import os.path as osp
import sys

from tool_utils import run_tool

BLOCKED = ('mmcv', 'mmdet', 'mmseg')

# the subprocess: refuse mmcv and its dependents, then run tools/train.py
SCRIPT = '''
import importlib.util, runpy, sys

BLOCKED = {blocked!r}
for name in BLOCKED:
    sys.modules[name] = None
assert importlib.util.find_spec('mmcv') is None
import torch
from mmengine.registry import init_default_scope
from mmkd.registry import MODELS
init_default_scope('mmkd')
teacher = MODELS.build(dict(type='SimpleCNN', in_channels=1, channels=64,
                            num_convs=5, num_classes=10))
torch.save(dict(state_dict=teacher.state_dict()), {teacher!r})
sys.argv = ['tools/train.py', {config!r}, '--work-dir', {work_dir!r},
            '--cfg-options', 'model.teacher_ckpt={teacher}',
            'train_dataloader.batch_size=8',
            'train_dataloader.dataset.num_train=16',
            'val_dataloader.dataset.num_train=16',
            'test_dataloader.dataset.num_train=16',
            'train_cfg.max_epochs=1', 'param_scheduler.T_max=1',
            'default_hooks.logger.interval=1']
runpy.run_path('tools/train.py', run_name='__main__')
# a CIFAR config's RandomFlip is mmcv's: building it says to install mmcv
from mmkd.registry import TRANSFORMS
try:
    TRANSFORMS.build(dict(type='RandomFlip', prob=0.5))
except ModuleNotFoundError as err:
    print('RANDOMFLIP:', err)
loaded = sorted(m for m, v in sys.modules.items()
                if m.split('.')[0] in BLOCKED and v is not None)
assert not loaded, loaded
print('NO_MMCV_TRAINED')
'''


def test_digits_kd_trains_without_mmcv(tmp_path):
    config = osp.join('configs', 'digits', 'kd_cnn64x5_cnn8x2_digits.py')
    script = SCRIPT.format(
        blocked=BLOCKED,
        config=config,
        work_dir=str(tmp_path / 'work'),
        teacher=str(tmp_path / 'teacher.pth'))
    proc = run_tool([sys.executable, '-c', script], check=False, timeout=300)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    assert 'NO_MMCV_TRAINED' in output
    assert 'Epoch(train) [1][2/2]' in output, output[-3000:]
    assert 'distill.loss_kd' in output
    assert (tmp_path / 'work' / 'epoch_1.pth').is_file()
    assert ("RANDOMFLIP: The transform 'RandomFlip' is mmcv's, and mmcv is "
            'not installed') in output
    assert 'Install it: pip install mmcv-lite==2.1.0' in output
