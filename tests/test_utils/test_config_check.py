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
