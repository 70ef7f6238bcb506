"""One way of reading a config for every tool (mmkd.cli.cli.read_config):
mmkd:: paths, relative cfg_path entries, --cfg-options."""
import os
import sys

import pytest
from tool_utils import REPO, run_tool

from mmkd.cli.cli import read_config
from mmkd.utils.config_check import ConfigKeyError

TOOL = os.path.join(REPO, 'tools', 'analysis_tools', 'distill_layers.py')


@pytest.fixture
def project(tmp_path):
    """A user's project: a distillation config naming its student and
    teacher by relative cfg_path, next to it."""
    configs = tmp_path / 'project' / 'configs'
    configs.mkdir(parents=True)
    (configs / 'student.py').write_text(
        "_base_ = 'mmkd::baselines/resnet20_cifar100.py'\n"
        "model = dict(type='resnet8')\n")
    (configs / 'teacher.py'
     ).write_text("_base_ = 'mmkd::baselines/resnet20_cifar100.py'\n")
    (configs / 'distill.py').write_text(
        "_base_ = 'mmkd::kd/vanilla_kd_r20.py'\n"
        'model = dict(\n'
        "    architecture=dict(_delete_=True, cfg_path='student.py'),\n"
        "    teacher=dict(_delete_=True, cfg_path='teacher.py'))\n")
    return configs


def test_relative_cfg_path_is_read_from_the_config(project, monkeypatch):
    monkeypatch.chdir(project.parent.parent)  # not the config's folder
    cfg = read_config('project/configs/distill.py')
    assert cfg.model.architecture.cfg_path == str(project / 'student.py')
    assert cfg.model.teacher.cfg_path == str(project / 'teacher.py')


def test_options_are_merged_and_their_cfg_path_is_from_the_cwd(
        project, monkeypatch):
    monkeypatch.chdir(project)
    cfg = read_config('mmkd::kd/vanilla_kd_r20.py', {
        'model.teacher.cfg_path': 'teacher.py',
        'train_cfg.max_epochs': 3
    })
    assert cfg.model.teacher.cfg_path == str(project / 'teacher.py')
    assert cfg.train_cfg.max_epochs == 3
    with pytest.raises(FileNotFoundError, match='model.teacher.cfg_path'):
        read_config('mmkd::kd/vanilla_kd_r20.py',
                    {'model.teacher.cfg_path': 'nowhere.py'})


def test_an_option_that_would_be_ignored_is_refused():
    with pytest.raises(ConfigKeyError, match='model.teacher_ckpt'):
        read_config('mmkd::digits/kd_cnn64x5_cnn8x2_digits.py',
                    {'teacher_ckpt': 'elsewhere.pth'})


def test_the_layer_finder_reads_a_relative_cfg_path_config(project):
    proc = run_tool([
        sys.executable, TOOL, 'project/configs/distill.py', '--random-input',
        '32x32', '--depth', '1'
    ],
                    cwd=str(project.parent.parent))
    assert 'student: ' in proc.stdout and 'teacher: ' in proc.stdout
