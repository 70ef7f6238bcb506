from .cifar import CIFAR10, CIFAR100
from .digits import Digits
from .tiny_coco import TINY_COCO_CLASSES, make_tiny_coco
from .tiny_seg import TINY_SEG_CLASSES, TINY_SEG_METAINFO, make_tiny_seg
from .transforms import PackClsInputs, RandomCrop

__all__ = [
    'CIFAR10', 'CIFAR100', 'Digits', 'PackClsInputs', 'RandomCrop',
    'TINY_COCO_CLASSES', 'make_tiny_coco', 'TINY_SEG_CLASSES',
    'TINY_SEG_METAINFO', 'make_tiny_seg'
]
