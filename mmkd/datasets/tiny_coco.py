"""Deprecated: moved to ``tools/dataset_converters/tiny_coco.py``."""
from ._moved_fixture import expose_generators

expose_generators('mmkd.datasets.tiny_coco')

from tiny_coco import *  # noqa: E402,F401,F403
from tiny_coco import TINY_COCO_CLASSES, make_tiny_coco  # noqa: E402,F401
