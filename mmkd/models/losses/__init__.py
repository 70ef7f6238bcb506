from .irg import IRGLoss
from .kd import KDLoss
from .vid import VIDLoss

__all__ = ['KDLoss', 'VIDLoss', 'IRGLoss']
