"""tools/train.py and tools/test.py behave as mmdet's do, and refuse what
would silently go wrong: overrides without effect, non-strict loading,
damaged checkpoints, unwritable work dirs."""
import ast
import glob
import os.path as osp
import sys

import pytest
import torch
from data_utils import make_tiny_cifar
from mmengine.config import Config
from tool_utils import REPO, run_tool, tiny_options

from mmkd.cli.run_setup import resolve_cfg_paths
from mmkd.utils.config_check import RUNNER_KEYS, misspelled_key

BASELINE = osp.join(REPO, 'configs', 'baselines', 'resnet20_cifar100.py')
KD = osp.join(REPO, 'configs', 'kd', 'vanilla_kd_r20.py')
DIGITS_KD = osp.join(REPO, 'configs', 'digits', 'kd_cnn64x5_cnn8x2_digits.py')


def test_key_check_catches_typos_not_helper_variables():
    for typo, key in (('train_dataloder',
                       'train_dataloader'), ('optim_warpper', 'optim_wrapper'),
                      ('param_schedular',
                       'param_scheduler'), ('defualt_hooks', 'default_hooks')):
        assert misspelled_key(typo, RUNNER_KEYS) == key
    for own in ('train_pipelines', 'data_roots', 'train_loader', 'img_scale',
                'teacher_ckpt', 'backend_args', 'val_pipeline', 'lr',
                'max_epochs', 'num_classes', 'base_lr'):
        assert misspelled_key(own, RUNNER_KEYS) is None, own


def _top_level_names(path):
    try:
        tree = ast.parse(open(path, encoding='utf-8').read())
    except (SyntaxError, UnicodeDecodeError):
        return []
    names = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        names += [t.id for t in targets if isinstance(t, ast.Name)]
    return names


@pytest.mark.parametrize('package', ['mmdet', 'mmseg'])
def test_no_false_alarm_on_any_config_of_mmdet_and_mmseg(package):
    root = osp.join(
        osp.dirname(__import__(package).__file__), '.mim', 'configs')
    files = glob.glob(osp.join(root, '**', '*.py'), recursive=True)
    assert len(files) > 300
    alarms = [(osp.relpath(f, root), name) for f in files
              for name in _top_level_names(f)
              if misspelled_key(name, RUNNER_KEYS)]
    assert not alarms, alarms[:20]


def test_cfg_path_is_read_from_the_config_that_names_it(tmp_path):
    project = tmp_path / 'project'
    (project / 'models').mkdir(parents=True)
    (project / 'models' /
     'student.py').write_text("model = dict(type='resnet8')\n")
    (project / 'base.py').write_text(
        "model = dict(type='SingleTeacherDistill', "
        "architecture=dict(cfg_path='./models/student.py'))\n")
    (project / 'run.py').write_text("_base_ = ['./base.py']\n")
    cfg = Config.fromfile(str(project / 'run.py'))
    resolve_cfg_paths(cfg, str(project / 'run.py'))
    assert cfg.model.architecture.cfg_path == str(project / 'models' /
                                                  'student.py')
    cfg.model.architecture.cfg_path = './models/nope.py'
    with pytest.raises(FileNotFoundError) as info:
        resolve_cfg_paths(cfg, str(project / 'run.py'))
    assert 'nope.py' in str(info.value) and 'run.py' in str(info.value)


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    return make_tiny_cifar(
        str(tmp_path_factory.mktemp('cifar')),
        num_classes=100,
        num_train=32,
        num_test=16)


def train(config, work_dir, data_root, *extra, check=True, **models):
    return run_tool([
        sys.executable, 'tools/train.py', config, '--work-dir',
        str(work_dir), *extra, '--cfg-options',
        *tiny_options(data_root, 1, **models)
    ],
                    check=check)


def test_override_of_a_used_top_level_variable_is_refused(tmp_path):
    proc = run_tool([
        sys.executable, 'tools/train.py', DIGITS_KD, '--work-dir',
        str(tmp_path), '--cfg-options', 'teacher_ckpt=elsewhere.pth'
    ],
                    check=False)
    assert proc.returncode == 1
    assert 'model.teacher_ckpt' in proc.stderr
    assert 'would have no effect' in proc.stderr


@pytest.fixture(scope='module')
def student_run(tmp_path_factory, data_root):
    work = tmp_path_factory.mktemp('student')
    train(BASELINE, work, data_root, model='resnet8')
    return work


def test_load_from_another_architecture_is_refused(tmp_path, data_root,
                                                   student_run):
    ckpt = str(student_run / 'epoch_1.pth')
    proc = train(
        BASELINE,
        tmp_path,
        data_root,
        '--cfg-options',
        f'load_from={ckpt}',
        check=False,
        model='resnet14')
    assert proc.returncode == 1
    assert 'does not match the model' in proc.stderr
    assert 'load_strict=False' in proc.stderr
    # the option is offered with what it does: random weights left
    assert 'at their random initial' in ' '.join(proc.stderr.split())
    assert 'layer1.1.' in proc.stderr  # resnet14's extra block is missing
    train(
        BASELINE,
        tmp_path / 'lenient',
        data_root,
        '--cfg-options',
        f'load_from={ckpt}',
        'load_strict=False',
        model='resnet14')


def test_resume_of_a_student_checkpoint_into_distillation_is_refused(
        tmp_path, data_root, student_run):
    proc = train(
        KD,
        tmp_path,
        data_root,
        '--resume',
        str(student_run / 'epoch_1.pth'),
        '--cfg-options',
        'model.teacher_ckpt_optional=True',
        'model.teacher_ckpt=None',
        check=False,
        **{
            'model.architecture': 'resnet8',
            'model.teacher': 'resnet8'
        })
    assert proc.returncode == 1
    assert 'does not match the model (SingleTeacherDistill)' in proc.stderr
    assert 'architecture.' in proc.stderr


def test_truncated_checkpoint_is_named(tmp_path, data_root, student_run):
    bad = tmp_path / 'cut.pth'
    bad.write_bytes((student_run / 'epoch_1.pth').read_bytes()[:300])
    proc = train(
        BASELINE,
        tmp_path / 'w',
        data_root,
        '--resume',
        str(bad),
        check=False,
        model='resnet8')
    assert proc.returncode == 1
    assert f"'{bad}' is truncated" in proc.stderr


def test_legacy_format_checkpoint_loads_resumes_and_tests(
        tmp_path, data_root, student_run):
    from mmkd.utils import safe_load
    legacy = tmp_path / 'legacy.pth'
    torch.save(
        safe_load(str(student_run / 'epoch_1.pth')),
        legacy,
        _use_new_zipfile_serialization=False)
    assert not legacy.read_bytes().startswith(b'PK')  # not a zip file
    proc = train(
        BASELINE,
        tmp_path / 'load',
        data_root,
        '--cfg-options',
        f'load_from={legacy}',
        model='resnet8')
    assert f'Load checkpoint from {legacy}' in proc.stdout + proc.stderr
    proc = train(
        BASELINE,
        tmp_path / 'resume',
        data_root,
        '--resume',
        str(legacy),
        model='resnet8')
    assert 'resumed epoch: 1' in proc.stdout + proc.stderr
    proc = run_tool([
        sys.executable, 'tools/test.py', BASELINE,
        str(legacy), '--work-dir',
        str(tmp_path / 'test'), '--cfg-options',
        *tiny_options(data_root, 1, model='resnet8')
    ])
    assert 'accuracy/top1' in proc.stdout + proc.stderr
    # a legacy file cut short is still named as such
    cut = tmp_path / 'cut.pth'
    cut.write_bytes(legacy.read_bytes()[:-9])
    proc = train(
        BASELINE,
        tmp_path / 'cut',
        data_root,
        '--resume',
        str(cut),
        check=False,
        model='resnet8')
    assert proc.returncode == 1
    assert f"'{cut}' is truncated or corrupt (a legacy" in proc.stderr


def test_resume_stops_when_every_checkpoint_is_damaged(tmp_path, data_root,
                                                       student_run):
    import shutil
    work = tmp_path / 'work'
    shutil.copytree(student_run, work)
    bad = work / 'epoch_1.pth'
    bad.write_bytes(bad.read_bytes()[:300])
    (work / 'last_checkpoint').write_text(str(bad))
    proc = train(
        BASELINE, work, data_root, '--resume', check=False, model='resnet8')
    assert proc.returncode == 1
    assert 'ResumeError: --resume found no intact checkpoint' in proc.stderr
    assert 'epoch_1.pth (is truncated' in proc.stderr
    assert 'Epoch(train)' not in proc.stdout + proc.stderr  # nothing ran


def test_resume_without_path_skips_a_damaged_pointer(tmp_path, data_root,
                                                     student_run):
    import shutil
    work = tmp_path / 'work'
    shutil.copytree(student_run, work)
    (work / 'last_checkpoint').write_text('')
    proc = train(BASELINE, work, data_root, '--resume', model='resnet8', **{})
    out = proc.stdout + proc.stderr
    assert 'is empty' in out and 'epoch_1.pth' in out


def test_unwritable_work_dir_is_named(tmp_path, data_root):
    blocker = tmp_path / 'a_file'
    blocker.write_text('not a folder')
    proc = train(
        BASELINE, blocker / 'work', data_root, check=False, model='resnet8')
    assert proc.returncode == 1
    assert f'Cannot write to the work dir {str(blocker / "work")!r}' in \
        proc.stderr


def test_distillation_checkpoint_with_the_student_config(tmp_path, data_root):
    work = tmp_path / 'kd'
    train(KD, work, data_root, '--cfg-options',
          'model.teacher_ckpt_optional=True', 'model.teacher_ckpt=None', **{
              'model.architecture': 'resnet8',
              'model.teacher': 'resnet8'
          })
    opts = tiny_options(data_root, 1, model='resnet8')
    proc = run_tool([
        sys.executable, 'tools/test.py', BASELINE,
        str(work / 'epoch_1.pth'), '--work-dir',
        str(tmp_path / 'test'), '--cfg-options', *opts
    ])
    assert 'is a distillation checkpoint: evaluating its student' in \
        proc.stdout
    student = torch.load(
        tmp_path / 'test' / 'student_of_epoch_1.pth', weights_only=False)
    ckpt = torch.load(work / 'epoch_1.pth', weights_only=False)
    assert torch.equal(student['state_dict']['linear.weight'],
                       ckpt['state_dict']['architecture.linear.weight'])
    # the distillation config evaluates the student without a teacher file
    kd_opts = tiny_options(
        data_root, 1, **{
            'model.architecture': 'resnet8',
            'model.teacher': 'resnet8'
        })
    proc = run_tool([
        sys.executable, 'tools/test.py', KD,
        str(work / 'epoch_1.pth'), '--work-dir',
        str(tmp_path / 'test2'), '--cfg-options', *kd_opts,
        'model.teacher_ckpt=/nonexistent/teacher.pth'
    ])
    assert 'accuracy/top1' in proc.stdout + proc.stderr


def _logged_top1(text):
    import re
    values = re.findall(r'accuracy/top1: ([0-9.]+)', text)
    assert values, text[-2000:]
    return float(values[-1])


def test_ddp_validation_scores_the_saved_model(tmp_path, data_root):
    """Two processes train a BatchNorm student; the score they log equals
    tools/test.py on the saved checkpoint. The documented command runs as
    written: no PYTHON, the README's .venv found by the script."""
    from tool_utils import free_port
    work = tmp_path / 'ddp'
    opts = tiny_options(data_root, 1, model='resnet8')
    proc = run_tool([
        'bash', 'tools/dist_train.sh', BASELINE, '2', '--work-dir',
        str(work), '--cfg-options', *opts
    ],
                    env=dict(PORT=str(free_port()), PATH='/usr/bin:/bin'))
    logged = _logged_top1(proc.stdout + proc.stderr)
    proc = run_tool([
        sys.executable, 'tools/test.py', BASELINE,
        str(work / 'epoch_1.pth'), '--work-dir',
        str(tmp_path / 'test'), '--cfg-options', *opts
    ])
    assert _logged_top1(proc.stdout + proc.stderr) == logged


def test_amp_on_cpu_for_mmdet_and_mmseg_distillation(tmp_path):
    """--amp picks the scoped CPU AMP wrapper, which mmdet/mmseg configs
    (built in their own scope) find."""
    from data_utils import make_tiny_coco, make_tiny_seg
    from tool_utils import seg_options, train_tiny_coco
    coco = make_tiny_coco(
        str(tmp_path / 'coco'), num_train=4, num_val=2, img_size=128)
    no_teacher = [
        'model.teacher_ckpt=None', 'model.teacher_ckpt_optional=True'
    ]
    proc = train_tiny_coco(
        osp.join(REPO, 'configs', 'mmdet', 'tiny',
                 'cwd_fpn_retinanet_r34-r18_tiny-coco.py'),
        tmp_path / 'det',
        coco,
        '--amp',
        options=no_teacher + ['custom_hooks=[]'])
    assert 'CPUAmpOptimWrapper' in (tmp_path / 'det').joinpath(
        next(p.name for p in (tmp_path / 'det').glob('*.py'))).read_text()
    assert 'bbox_mAP' in proc.stdout + proc.stderr
    seg = make_tiny_seg(
        str(tmp_path / 'seg'), num_train=2, num_val=1, img_size=64)
    config = osp.join(REPO, 'configs', 'mmseg', 'tiny',
                      'cwd_logits_pspnet_r34-r18_tiny-seg.py')
    proc = run_tool([
        sys.executable, 'tools/train.py', config, '--work-dir',
        str(tmp_path / 'seg_work'), '--amp', '--cfg-options',
        *seg_options(seg, iters=2), *no_teacher, 'custom_hooks=[]'
    ])
    assert 'mIoU' in proc.stdout + proc.stderr
