"""Deprecated: moved to ``tools/dataset_converters/tiny_seg.py``."""
from ._moved_fixture import expose_generators

expose_generators('mmkd.datasets.tiny_seg')

from tiny_seg import *  # noqa: E402,F401,F403
from tiny_seg import (IGNORE_INDEX, TINY_SEG_CLASSES,  # noqa: E402,F401
                      TINY_SEG_METAINFO, make_tiny_seg)
