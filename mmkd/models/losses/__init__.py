from .irg import IRGLoss
from .kd import KDLoss
from .vid import VIDLoss
from .yolo_kd import YoloKDLoss

__all__ = ['KDLoss', 'VIDLoss', 'IRGLoss', 'YoloKDLoss']
