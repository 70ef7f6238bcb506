from .cifar import CIFAR10, CIFAR100
from .digits import Digits
from .tiny_coco import TINY_COCO_CLASSES, make_tiny_coco
from .transforms import PackClsInputs, RandomCrop

__all__ = [
    'CIFAR10', 'CIFAR100', 'Digits', 'PackClsInputs', 'RandomCrop',
    'TINY_COCO_CLASSES', 'make_tiny_coco'
]
