from .base import BaseClassifier, register_constructor
from .resnet_cifar import BasicBlock, CIFARResNet
from .simple_cnn import SimpleCNN
from .torchvision_classifier import TorchvisionClassifier
from .vgg import CIFARVGG
from .wrn import PreActBlock, WideResNet

__all__ = [
    'BaseClassifier', 'register_constructor', 'BasicBlock', 'CIFARResNet',
    'PreActBlock', 'WideResNet', 'CIFARVGG', 'SimpleCNN',
    'TorchvisionClassifier'
]
