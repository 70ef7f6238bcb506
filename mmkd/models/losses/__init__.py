from .cwd import ChannelWiseDivergence
from .irg import IRGLoss
from .kd import KDLoss
from .l1 import L1Loss
from .l2 import L2Loss
from .mgd import MGDLoss
from .pkd import PKDLoss
from .vid import VIDLoss
from .yolo_kd import YoloKDLoss
from .yolox_kd import YOLOXKDLoss

__all__ = [
    'KDLoss', 'VIDLoss', 'IRGLoss', 'YoloKDLoss', 'ChannelWiseDivergence',
    'PKDLoss', 'L1Loss', 'L2Loss', 'MGDLoss', 'YOLOXKDLoss'
]
