"""The configs/kd configs at odd positions: see test_kd_configs.py."""
import pytest
from test_kd_configs import CONFIGS, check_config


@pytest.mark.parametrize('path', CONFIGS[1::2])
def test_config_builds_and_matches_its_card(path):
    check_config(path)
