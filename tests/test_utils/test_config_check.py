import os.path as osp

import pytest
from mmengine.config import Config

from mmkd.cli.run_setup import check_train_loop
from mmkd.utils import ConfigKeyError, check_top_level_keys


def test_misspelled_runner_key_suggests_the_right_one():
    cfg = Config(dict(model=dict(type='resnet20'), train_dataloder=dict()))
    with pytest.raises(ConfigKeyError) as info:
        check_top_level_keys(cfg)
    assert '"train_dataloder"' in str(info.value)
    assert 'did you mean "train_dataloader"' in str(info.value)


def test_own_variables_and_known_keys_pass():
    cfg = Config(
        dict(
            model=dict(type='resnet20'),
            teacher_ckpt='t.pth',
            img_scale=(32, 32),
            train_dataloader=dict(),
            param_scheduler=[]))
    check_top_level_keys(cfg)


def test_tools_load_package_config_paths():
    from mmkd.cli import load_config
    cfg = load_config(
        'mmkd::kd/kd/kd_resnet56_resnet20_1xb64-240e_cifar100.py')
    assert cfg.model.architecture.type == 'resnet20'
    cfg = load_config(
        'mmseg::pspnet/pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py')
    assert cfg.model.type == 'EncoderDecoder'
    with pytest.raises(FileNotFoundError, match='no_such.py'):
        load_config('mmkd::kd/no_such.py')


def _python(code, cwd, extra_args=(), pythonpath=()):
    import os
    import subprocess
    import sys
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(pythonpath))
    proc = subprocess.run([sys.executable, *extra_args, '-c', code],
                          cwd=str(cwd),
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_scope_hook_registers_mmkd_when_mmengine_config_loads(tmp_path):
    """_mmkd_config_scope.install() (what mmkd_config_scope.pth runs at
    start-up) imports nothing and adds mmkd to MMEngine's scope table when
    mmengine.config.utils is imported. -S: without site-packages' .pth."""
    import sysconfig

    from tool_utils import REPO
    code = '\n'.join([
        'import sys',
        'import _mmkd_config_scope as hook',
        'hook.install()',
        "assert 'mmengine' not in sys.modules",
        'from mmengine.config.utils import MODULE2PACKAGE',
        "assert MODULE2PACKAGE['mmkd'] == 'mmkd.version'",
        'assert hook.ScopeFinder not in sys.meta_path',
        "assert 'mmkd' not in sys.modules",
        "print('ok')",
    ])
    out = _python(
        code,
        tmp_path,
        extra_args=['-S'],
        pythonpath=[REPO, sysconfig.get_paths()['purelib']])
    assert out.strip() == 'ok'


def test_user_config_inherits_mmkd_config_by_scope(tmp_path):
    """A user's config outside mmkd, loaded by MMEngine's Config, inherits
    a recipe by ``mmkd::`` (tests/test_packaging.py does it with mmdet's
    own train tool and an installed wheel)."""
    from mmkd.utils import register_config_scope
    register_config_scope()  # the .pth does this for installed mmkd
    (tmp_path / 'mine.py').write_text(
        "_base_ = 'mmkd::kd/kd/kd_resnet56_resnet20_1xb64-240e_cifar100.py'\n"
        "train_cfg = dict(max_epochs=3)\n")
    cfg = Config.fromfile(str(tmp_path / 'mine.py'))
    assert cfg.model.architecture.type == 'resnet20'
    assert cfg.train_cfg.max_epochs == 3


def test_a_loop_type_replaces_the_base_by_epoch_it_agrees_with():
    cfg = Config(dict(train_cfg=dict(by_epoch=True, max_epochs=2)))
    cfg.merge_from_dict(
        {'train_cfg.type': 'mmkd.TeacherAheadEpochBasedTrainLoop'})
    check_train_loop(cfg)
    assert cfg.train_cfg == dict(
        type='mmkd.TeacherAheadEpochBasedTrainLoop', max_epochs=2)
    iters = Config(
        dict(
            train_cfg=dict(
                type='IterBasedTrainLoop', by_epoch=False, max_iters=4)))
    check_train_loop(iters)
    assert 'by_epoch' not in iters.train_cfg


def test_a_loop_type_that_contradicts_by_epoch_is_a_short_error():
    cfg = Config(
        dict(
            train_cfg=dict(
                type='TeacherAheadEpochBasedTrainLoop',
                by_epoch=False,
                max_iters=4)))
    with pytest.raises(
            ConfigKeyError,
            match="type='TeacherAheadEpochBasedTrainLoop' and "
            'by_epoch=False .* disagree'):
        check_train_loop(cfg)


def test_override_of_a_variable_used_in_an_expression_is_refused(tmp_path):
    import sys

    from tool_utils import REPO, run_tool

    from mmkd.cli.run_setup import check_overrides
    dafl = osp.join(REPO, 'configs', 'digits', 'dafl_cnn64x5_cnn8x2_digits.py')
    cfg = Config.fromfile(dafl)
    with pytest.raises(ConfigKeyError) as info:
        check_overrides(cfg, {'steps_per_epoch': 10})
    message = str(info.value)
    assert 'dafl_cnn64x5_cnn8x2_digits.py:' in message
    assert '(train_dataloader)' in message and 'no effect' in message
    # the same value, a dotted key and an unused variable pass
    check_overrides(cfg, {'steps_per_epoch': 40})
    check_overrides(cfg, {'train_cfg.max_epochs': 2})
    (tmp_path / 'own.py').write_text(f'_base_ = [{dafl!r}]\nnote = "memo"\n')
    check_overrides(
        Config.fromfile(str(tmp_path / 'own.py')), {'note': 'other'})
    # and the tool stops before building anything
    proc = run_tool([
        sys.executable, 'tools/train.py', dafl, '--work-dir',
        str(tmp_path / 'w'), '--cfg-options', 'steps_per_epoch=10'
    ],
                    check=False)
    assert proc.returncode == 1
    assert 'ConfigKeyError' in proc.stderr and '(train_dataloader)' in \
        proc.stderr


def test_override_alarm_only_for_variables_a_file_reads(tmp_path):
    """A top-level variable that no config file reads is what MMEngine
    uses: overriding it is no mistake, even when its old value (1) also
    sits in an unrelated key. One that a file reads by name (here, or in
    an mmdet base) is refused."""
    from mmkd.cli.run_setup import check_overrides
    (tmp_path / 'base.py').write_text(
        "teacher_ckpt = 'a.pth'\n"
        'model = dict(teacher_ckpt=teacher_ckpt)\n')
    (tmp_path / 'own.py').write_text(
        "_base_ = ['./base.py']\n"
        'note = 1\n'
        'default_hooks = dict(checkpoint=dict(interval=1))\n')
    cfg = Config.fromfile(str(tmp_path / 'own.py'))
    check_overrides(cfg, {'note': 3})
    with pytest.raises(ConfigKeyError, match=r'model\.teacher_ckpt'):
        check_overrides(cfg, {'teacher_ckpt': 'b.pth'})
    # mmdet's dataset base reads data_root by name
    (tmp_path / 'det.py'
     ).write_text("_base_ = ['mmdet::_base_/datasets/coco_detection.py']\n")
    det = Config.fromfile(str(tmp_path / 'det.py'))
    with pytest.raises(ConfigKeyError, match='data_root'):
        check_overrides(det, {'data_root': 'elsewhere/'})
