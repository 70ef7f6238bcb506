import pytest
from mmengine.config import Config

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
    from mmkd.utils.cli import load_config
    cfg = load_config('mmkd::kd/kd_resnet56_resnet20.py')
    assert cfg.model.architecture.type == 'resnet20'
    cfg = load_config('mmseg::pspnet/pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py')
    assert cfg.model.type == 'EncoderDecoder'
    with pytest.raises(FileNotFoundError, match='no_such.py'):
        load_config('mmkd::kd/no_such.py')
