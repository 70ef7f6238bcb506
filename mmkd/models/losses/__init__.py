from .crd import CRDLoss
from .cwd import ChannelWiseDivergence
from .fbkd import FBKDLoss
from .irg import IRGLoss
from .kd import KDLoss
from .l1 import L1Loss
from .l2 import L2Loss
from .mgd import MGDLoss
from .pixel_kd import PixelWiseKDLoss
from .pkd import PKDLoss
from .reviewkd import ReviewKDLoss
from .vid import VIDLoss
from .yolo_kd import YoloKDLoss
from .yolox_kd import YOLOXKDLoss
from .at import ATLoss
from .fitnet import FitNetLoss
from .fsp import FSPLoss
from .nst import NSTLoss
from .sp import SPLoss
from .cc import CCLoss
from .ickd import ICKDLoss
from .pkt import PKTLoss
from .rkd import RKDLoss
from .dist import DISTLoss
from .dkd import DKDLoss
from .lskd import LogitStandardKDLoss
from .wsld import WSLDLoss
from .ab import ABLoss
from .ft import FTLoss
from .ofd import OFDLoss

__all__ = [
    'ABLoss', 'FTLoss', 'OFDLoss',
    'DKDLoss', 'DISTLoss', 'WSLDLoss', 'LogitStandardKDLoss',
    'ATLoss', 'FitNetLoss', 'FSPLoss', 'NSTLoss', 'SPLoss',
    'RKDLoss', 'PKTLoss', 'CCLoss', 'ICKDLoss',
    'PixelWiseKDLoss',
    'CRDLoss',
    'KDLoss', 'VIDLoss', 'IRGLoss', 'YoloKDLoss', 'ChannelWiseDivergence',
    'PKDLoss', 'L1Loss', 'L2Loss', 'MGDLoss', 'YOLOXKDLoss',
    'ReviewKDLoss', 'FBKDLoss'
]
