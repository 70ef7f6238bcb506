"""Per-iteration cost of training from the teacher cache in the real loop:
``tools/train.py`` with the configs' data workers, next to the student
trained alone.

It writes a random CIFAR-100-format data set (enough images for
``--iters`` iterations), builds the cache config's teacher output cache
from a random teacher with ``tools/build_teacher_cache.py``, then runs
``tools/train.py`` for one epoch on the student config and on the cache
config, ``--repeats`` times in alternating order, and reads each
iteration's time (data wait included: MMEngine's ``time``) from the runs'
logs. The first ``--skip`` iterations of each run (worker start-up) are
left out. It prints the medians, the ratio per repetition with its spread,
and the load average (a figure taken while the machine is busier than its
cores is not meaningful).

    python tools/analysis_tools/benchmark_cached_kd_loop.py \\
        [--iters 30] [--repeats 3] [--repo PATH]

``--repo`` runs another checkout's tools (e.g. a version before a change)
on the same data, for a before/after comparison.
"""
import argparse
import glob
import json
import os
import os.path as osp
import pickle
import shutil
import statistics
import subprocess
import sys
import tempfile

import numpy as np

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--config',
        default='configs/kd/cached_kd/cached_kd_resnet56_resnet20.py')
    parser.add_argument('--student-config',
                        default='configs/baselines/resnet20_cifar100.py')
    parser.add_argument('--iters', type=int, default=30,
                        help='timed iterations per run')
    parser.add_argument('--skip', type=int, default=5,
                        help='first iterations of each run left out')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--draws', type=int, default=10)
    parser.add_argument('--repo', default=REPO,
                        help='checkout whose tools run (default: this one)')
    parser.add_argument('--work-dir', default=None,
                        help='keep data, cache and logs here')
    return parser.parse_args()


def write_cifar100(root: str, num_train: int, seed: int = 0) -> str:
    """A random data set in the CIFAR-100 python format."""
    folder = osp.join(root, 'cifar-100-python')
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    for split, num in (('train', num_train), ('test', 100)):
        content = dict(
            data=rng.integers(0, 256, (num, 3072), dtype=np.uint8),
            fine_labels=[int(x) for x in rng.integers(0, 100, num)],
            coarse_labels=[0] * num)
        with open(osp.join(folder, split), 'wb') as f:
            pickle.dump(content, f, protocol=2)
    with open(osp.join(folder, 'meta'), 'wb') as f:
        pickle.dump(dict(fine_label_names=[f'c{i}' for i in range(100)]),
                    f, protocol=2)
    return root


def run(repo, command):
    env = dict(os.environ, PYTHONPATH=repo)
    proc = subprocess.run([sys.executable] + command, cwd=repo, env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f'{" ".join(command)} failed:\n'
                           f'{proc.stderr[-3000:]}')
    return proc


def iteration_times(work_dir: str, skip: int):
    """Per-iteration ``time`` of a run's training log, after ``skip``."""
    logs = glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))
    times = []
    with open(sorted(logs)[-1]) as f:
        for line in f:
            entry = json.loads(line)
            if 'time' in entry and 'loss' in entry:
                times.append((entry['iter'], entry['time']))
    return [t for it, t in sorted(times) if it > skip]


def main():
    args = parse_args()
    repo = osp.abspath(args.repo)
    tmp = args.work_dir or tempfile.mkdtemp(prefix='mmkd_cache_loop_')
    num_train = (args.iters + args.skip) * args.batch_size
    data_root = write_cifar100(osp.join(tmp, 'data'), num_train)
    cache_dir = osp.join(tmp, 'cache')
    common = [
        f'train_dataloader.batch_size={args.batch_size}',
        'train_cfg.max_epochs=1', 'train_cfg.val_interval=100',
        'default_hooks.logger.interval=1',
        'default_hooks.checkpoint.interval=100', 'randomness.seed=0'
    ] + [f'{loader}.dataset.data_root={data_root}'
         for loader in ('train_dataloader', 'val_dataloader',
                        'test_dataloader')]
    cached = common + [
        'model.teacher_ckpt=None', 'model.teacher_ckpt_optional=True',
        f'train_dataloader.dataset.pipeline.0.cache_dir={cache_dir}',
        'recipe.mismatch=warn'
    ]
    run(repo, ['tools/build_teacher_cache.py', args.config, '--out',
               cache_dir, '--draws', str(args.draws), '--cfg-options'] +
        cached)
    runs = dict(student=(args.student_config, common),
                cached=(args.config, cached))
    load_before = os.getloadavg()[0]
    times = {name: [] for name in runs}
    ratios = []
    for rep in range(args.repeats):
        order = list(runs) if rep % 2 == 0 else list(runs)[::-1]
        medians = {}
        for name in order:
            config, options = runs[name]
            work_dir = osp.join(tmp, f'{name}_{rep}')
            run(repo, ['tools/train.py', config, '--work-dir', work_dir,
                       '--cfg-options'] + options)
            found = iteration_times(work_dir, args.skip)
            times[name] += found
            medians[name] = statistics.median(found)
        ratios.append(medians['cached'] / medians['student'])
    load_after = os.getloadavg()[0]
    if args.work_dir is None:
        shutil.rmtree(tmp, ignore_errors=True)

    workers = subprocess.run(
        [sys.executable, '-c', 'from mmengine.config import Config; '
         f'print(Config.fromfile({args.config!r}).train_dataloader'
         '.num_workers)'], cwd=repo, capture_output=True, text=True,
        env=dict(os.environ, PYTHONPATH=repo)).stdout.strip()
    print(f'repo: {repo}')
    print(f'{args.repeats} x {args.iters} iterations per config (first '
          f'{args.skip} of each run left out), batch {args.batch_size}, '
          f'num_workers {workers or "?"}, {os.cpu_count()} CPU(s), load '
          f'average {load_before:.2f} -> {load_after:.2f}')
    for name in runs:
        print(f'{name:>8}: median {1000 * statistics.median(times[name]):.1f}'
              f' ms per iteration ({runs[name][0]})')
    print(f'cached KD / student per iteration: median '
          f'{statistics.median(ratios):.3f} (per repetition '
          f'{", ".join(f"{r:.3f}" for r in ratios)})')
    if max(load_before, load_after) > (os.cpu_count() or 1):
        print('WARNING: the load average exceeded the number of CPUs: '
              'other processes took CPU time from these runs; the figures '
              'are not meaningful.')


if __name__ == '__main__':
    main()
