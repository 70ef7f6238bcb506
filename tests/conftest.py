import os.path as osp
import sys

# tests import their shared helpers (data_utils) by module name
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
