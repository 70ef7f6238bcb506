from .wide_resnet import WideResNetBackbone

__all__ = ['WideResNetBackbone']
