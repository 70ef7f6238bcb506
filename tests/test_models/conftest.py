import pytest
from mmengine.registry import init_default_scope


@pytest.fixture(autouse=True)
def mmkd_default_scope():
    """Model tests build by registered name in mmkd's scope, whatever scope
    an earlier test in the same xdist worker left current (mmdet, mmseg)."""
    init_default_scope('mmkd')
