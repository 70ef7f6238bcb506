"""ConvBNConnector says what it does with the spatial size: it resizes to
the teacher's when asked (logged once), warns once when asked not to and
the sizes differ, and refuses resize=True where no teacher tensor gives the
size."""
import logging

import pytest
import torch
from mmengine.logging import MMLogger

from mmkd.models.connectors import ConvBNConnector


@pytest.fixture
def log_lines():
    logger = MMLogger.get_instance('mmkd-test-connectors')
    lines = []

    class Keep(logging.Handler):

        def emit(self, record):
            lines.append((record.levelno, record.getMessage()))

    handler = Keep()
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)


def test_resize_is_logged_once(log_lines):
    conn = ConvBNConnector(in_channels=2, out_channels=3, resize=True)
    teacher = torch.zeros(1, 3, 8, 8)
    for _ in range(2):
        out = conn(torch.randn(1, 2, 4, 4), teacher)
        assert out.shape == (1, 3, 8, 8)
    said = [m for _, m in log_lines if 'ConvBNConnector' in m]
    assert said == [
        "ConvBNConnector: resizing its output from (4, 4) to "
        "the teacher's (8, 8) (bilinear)."
    ]


def test_no_resize_with_other_size_warns_once(log_lines):
    conn = ConvBNConnector(in_channels=2, out_channels=3)
    for _ in range(2):
        out = conn(torch.randn(1, 2, 4, 4), torch.zeros(1, 3, 8, 8))
        assert out.shape == (1, 3, 4, 4)
    said = [(level, m) for level, m in log_lines if 'ConvBNConnector' in m]
    assert len(said) == 1 and said[0][0] == logging.WARNING
    assert 'passed on unresized (set resize=True' in said[0][1]


def test_same_size_says_nothing(log_lines):
    conn = ConvBNConnector(in_channels=2, out_channels=3, resize=True)
    conn(torch.randn(1, 2, 4, 4), torch.zeros(1, 3, 4, 4))
    assert not [m for _, m in log_lines if 'ConvBNConnector' in m]


def test_resize_without_a_teacher_tensor_is_an_error():
    conn = ConvBNConnector(in_channels=2, out_channels=3, resize=True)
    with pytest.raises(
            ValueError, match=r'resize=True\) needs the teacher '
            'tensor'):
        conn(torch.randn(1, 2, 4, 4))
    # without resize, no teacher tensor is needed
    assert ConvBNConnector(2, 3)(torch.randn(1, 2, 4, 4)).shape == (1, 3, 4, 4)
