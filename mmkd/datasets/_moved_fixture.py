"""Where the tiny data generators went: ``tools/dataset_converters/``.

They write test and demo data and are not part of mmkd's runtime; the
modules ``mmkd.datasets.tiny_coco`` and ``mmkd.datasets.tiny_seg`` only
re-export them for code that still imports them from here (remove them
once nothing does).
"""
import os.path as osp
import sys
import warnings

_PACKAGE = osp.dirname(osp.dirname(osp.abspath(__file__)))
_CANDIDATES = (
    osp.join(osp.dirname(_PACKAGE), 'tools', 'dataset_converters'),  # checkout
    osp.join(_PACKAGE, '.mim', 'tools', 'dataset_converters'),  # installed
)


def expose_generators(old_name: str) -> None:
    """Put the generators' folder on ``sys.path`` and warn about the move."""
    warnings.warn(
        f'{old_name} moved to tools/dataset_converters/ (test and demo data '
        'generators, not part of the installed package); import it from '
        'there', DeprecationWarning, stacklevel=3)
    for folder in _CANDIDATES:
        if osp.isdir(folder):
            if folder not in sys.path:
                sys.path.append(folder)
            return
    raise ImportError(f'{old_name} moved to tools/dataset_converters/, '
                      'which is in neither mmkd\'s source tree nor its .mim')
