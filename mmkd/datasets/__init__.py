from .cifar import CIFAR10, CIFAR100
from .digits import Digits
from .transforms import PackClsInputs, RandomCrop

__all__ = ['CIFAR10', 'CIFAR100', 'Digits', 'PackClsInputs', 'RandomCrop']
