from .ab import ABLoss
from .at import ATLoss
from .base import BaseDistillLoss, Pairing, declared_pairing, upcast
from .cached_kd import CachedKDLoss
from .cc import CCLoss
from .crd import CRDLoss
from .cwd import ChannelWiseDivergence
from .deit import DeiTLoss
from .discrepancy import KLDiscrepancy, L1Discrepancy
from .dist import DISTLoss
from .dkd import DKDLoss
from .ensemble_kd import EnsembleKDLoss
from .fbkd import FBKDLoss
from .fsp import FSPLoss
from .ft import FTLoss
from .ickd import ICKDLoss
from .irg import IRGLoss
from .kd import KDLoss
from .l1 import L1Loss
from .l2 import L2Loss  # FitNet's hint loss, by its name
from .l2 import L2Loss as FitNetLoss
from .lskd import LogitStandardKDLoss
from .mgd import MGDLoss
from .nst import NSTLoss
from .ofd import OFDLoss
from .pixel_kd import PixelWiseKDLoss
from .pkd import PKDLoss
from .pkt import PKTLoss
from .reviewkd import ReviewKDLoss
from .rkd import RKDLoss
from .sp import SPLoss
from .vid import VIDLoss
from .wsld import WSLDLoss
from .yolo_kd import YoloKDLoss
from .yolox_kd import YOLOXKDLoss

__all__ = [
    'BaseDistillLoss', 'Pairing', 'declared_pairing', 'upcast', 'ABLoss',
    'ATLoss', 'CachedKDLoss', 'CCLoss', 'CRDLoss', 'ChannelWiseDivergence',
    'DeiTLoss', 'DISTLoss', 'DKDLoss', 'EnsembleKDLoss', 'FBKDLoss',
    'FitNetLoss', 'FSPLoss', 'FTLoss', 'ICKDLoss', 'IRGLoss', 'KDLoss',
    'KLDiscrepancy', 'L1Discrepancy', 'L1Loss', 'L2Loss',
    'LogitStandardKDLoss', 'MGDLoss', 'NSTLoss', 'OFDLoss', 'PixelWiseKDLoss',
    'PKDLoss', 'PKTLoss', 'ReviewKDLoss', 'RKDLoss', 'SPLoss', 'VIDLoss',
    'WSLDLoss', 'YoloKDLoss', 'YOLOXKDLoss'
]
