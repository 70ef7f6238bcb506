import os.path as osp
import sys

import torch

# tests import their shared helpers (data_utils, tool_utils) by module name
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

# pytest-xdist runs two workers on CI's two cores: one thread each keeps
# small tensor ops from fighting over the cores
torch.set_num_threads(1)
