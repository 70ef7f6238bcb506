"""The smoke training runs of the methods at odd positions: see
test_smoke_train.py."""
import pytest
from kd_config_utils import SMOKE
from test_smoke_train import data_root, quick_config_text, smoke  # noqa: F401


@pytest.mark.parametrize('path', SMOKE[1::2])
def test_method_trains_two_iterations(path, data_root, tmp_path):  # noqa: F811
    smoke(path, data_root, tmp_path)
