"""Processes that trained with the Distiller under DDP exit cleanly.

Each run starts two processes as a launcher does (torchrun: RANK,
WORLD_SIZE, ...), so they end through the interpreter's normal shutdown,
where a thread or handle that outlives its owner aborts the process
(``terminate called without an active exception``); ``mp.spawn`` children
leave through ``os._exit`` and would never show it.
"""
import os
import os.path as osp
import subprocess
import sys

from tool_utils import REPO, free_port

SCRIPT = r'''
import sys

import torch
import torch.distributed as dist

sys.path.insert(0, sys.argv[1])
torch.set_num_threads(1)
dist.init_process_group('gloo')
from torch.nn.parallel import DistributedDataParallel as DDP
from yolo_shaped import TinyYOLO, detection_loss

from mmkd import Distiller
from mmkd.utils import teardown_distributed

torch.manual_seed(0)
student, teacher = TinyYOLO(width=4), TinyYOLO(width=8)
distiller = Distiller(dict(
    student_model=DDP(student), teacher_model=teacher,
    student_distill_layer=['model.4', 'model.3'],
    teacher_distill_layer=['model.4', 'model.3'],
    # VID's learnable parts get the Distiller's gradient averaging hooks
    loss=[dict(type='YoloKDLoss', nc=3),
          dict(type='vid', inC=32, midC=32, outC=64)],
    weights=[1.0, 1.0], student_out_layer=['model.4'], device='cpu'))
optimizer = torch.optim.SGD(distiller.get_learnable_params(), lr=0.01)
for _ in range(2):
    raw, kd_loss = distiller.forward(torch.rand(2, 3, 32, 32))
    optimizer.zero_grad()
    (detection_loss(raw) + kd_loss).backward()
    optimizer.step()
if sys.argv[2] == 'teardown':
    distiller.teardown()
teardown_distributed()
print('done')
'''


def test_ddp_distiller_processes_exit_cleanly(tmp_path):
    script = tmp_path / 'run.py'
    script.write_text(SCRIPT)
    helpers = osp.dirname(osp.abspath(__file__))
    failures = []
    for run in range(6):
        env = dict(
            os.environ,
            PYTHONPATH=REPO,
            OMP_NUM_THREADS='1',
            MASTER_ADDR='127.0.0.1',
            MASTER_PORT=str(free_port()),
            WORLD_SIZE='2')
        mode = 'teardown' if run % 2 else 'no-teardown'
        procs = [
            subprocess.Popen(
                [sys.executable, str(script), helpers, mode],
                env=dict(env, RANK=str(rank), LOCAL_RANK=str(rank)),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True) for rank in range(2)
        ]
        for rank, proc in enumerate(procs):
            out, err = proc.communicate(timeout=300)
            if proc.returncode != 0 or 'terminate called' in err or \
                    'done' not in out:
                failures.append(f'run {run} ({mode}) rank {rank}: exit '
                                f'{proc.returncode}\n{err[-2000:]}')
    assert not failures, '\n'.join(failures)
