from .deit_head import DeiTDistillHead

__all__ = ['DeiTDistillHead']
