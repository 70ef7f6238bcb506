"""Measure what distillation costs per iteration in a real ``tools/train.py``
run, next to training the student alone.

``benchmark_distill.py`` times the step on one batch in one process; this
runs the whole loop (data workers, hooks, logging, the teacher-ahead loop)
as a user does, on the resnet56 -> resnet20 CIFAR-100 recipe:

- ``student``: ``configs/baselines/resnet20_cifar100.py``, the student alone;
- ``kd``: ``configs/kd/vanilla_kd_r20.py`` (KD, the sequential loop);
- ``kd-ahead``: the same with ``TeacherAheadEpochBasedTrainLoop``;
- ``cached``: ``configs/kd/cached_kd/cached_kd_resnet56_resnet20.py``, KD
  from the teacher output cache (built first, with
  ``tools/build_teacher_cache.py``).

Each run trains ``--iters`` iterations (one epoch) with the configs' own
data loaders (``num_workers=2`` unless ``--workers``) and ``--threads``
torch threads (1: with more, OpenMP's threads wait for each other whenever
the machine is busy, which slows a step several times over); the
iteration times
MMEngine logs (``time``: from one iteration's end to the next, data wait
included) are read back, the first ``--skip`` left out. The variants run in
turn, ``--repeats`` times; a variant's ratio to the student is taken within
each repetition and printed as median [min-max] over the repetitions, next
to each variant's median ms per iteration [first-third quartile] pooled
over all repetitions. The machine's load is printed, with a warning when
other work competes for the cores.

    python tools/analysis_tools/benchmark_real_loop.py [--iters 30] \\
        [--repeats 3] [--data-root data/cifar100]

Without ``--data-root`` the images are a random CIFAR-100 written to a
temporary folder (the times do not depend on the pixels); the teacher is
random too (its checkpoint is written there).
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

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

from distill_benchmark.stats import MachineLoad, quartiles  # noqa: E402

CONFIGS = dict(
    student='configs/baselines/resnet20_cifar100.py',
    kd='configs/kd/vanilla_kd_r20.py',
    cached='configs/kd/cached_kd/cached_kd_resnet56_resnet20.py')
VARIANTS = ('student', 'kd', 'kd-ahead', 'cached')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--iters', type=int, default=30, help='iterations per run (one epoch)')
    parser.add_argument(
        '--skip',
        type=int,
        default=5,
        help='first iterations of each run left out')
    parser.add_argument(
        '--repeats', type=int, default=3, help='runs of each variant, in turn')
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument(
        '--threads',
        type=int,
        default=1,
        help='torch threads of each run (OMP_NUM_THREADS); the teacher '
        'running ahead gets as many on its own thread')
    parser.add_argument(
        '--workers',
        type=int,
        default=None,
        help="data loader processes (default: the configs' num_workers)")
    parser.add_argument('--student', default='resnet20')
    parser.add_argument('--teacher', default='resnet56')
    parser.add_argument(
        '--variants', nargs='+', choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument(
        '--data-root',
        help='a CIFAR-100 folder (default: random images, written to a '
        'temporary folder)')
    parser.add_argument(
        '--work-dir',
        help='where runs, data and cache go (default: a '
        'temporary folder, removed at the end)')
    args = parser.parse_args()
    if args.skip >= args.iters:
        parser.error(f'--skip {args.skip} leaves none of --iters '
                     f'{args.iters} to time.')
    return args


def write_random_cifar100(root: str, num_train: int, num_test: int) -> str:
    """Random images in the layout and format of the CIFAR-100 python
    version (``cifar-100-python/{train,test,meta}``)."""
    import numpy as np
    rng = np.random.RandomState(0)
    folder = osp.join(root, 'cifar-100-python')
    os.makedirs(folder, exist_ok=True)
    for split, n in (('train', num_train), ('test', num_test)):
        labels = [int(x) for x in np.arange(n) % 100]
        with open(osp.join(folder, split), 'wb') as f:
            pickle.dump(
                dict(
                    data=rng.randint(0, 256, (n, 3072), dtype=np.uint8),
                    fine_labels=labels,
                    coarse_labels=[x // 5 for x in labels],
                    filenames=[f'img_{i:05d}.png' for i in range(n)],
                    batch_label=f'{split}ing batch 1 of 1'),
                f,
                protocol=2)
    with open(osp.join(folder, 'meta'), 'wb') as f:
        pickle.dump(
            dict(
                fine_label_names=[f'class{i}' for i in range(100)],
                coarse_label_names=[f'super{i}' for i in range(20)]),
            f,
            protocol=2)
    return root


def write_random_teacher(path: str, arch: str) -> str:
    import torch

    import mmkd.models  # noqa: F401 (registers the networks)
    from mmkd.registry import MODELS
    torch.manual_seed(0)
    teacher = MODELS.build(dict(type=arch, num_classes=100))
    torch.save(dict(state_dict=teacher.state_dict()), path)
    return path


def derived_config(work: str, name: str, base: str, ahead: bool) -> str:
    """A config on ``base``: one epoch, no validation, no custom hooks (the
    teacher's evaluation, the recipe check), no checkpoint, a log line per
    iteration."""
    loop = "type='TeacherAheadEpochBasedTrainLoop'" if ahead else \
        'by_epoch=True'
    path = osp.join(work, f'{name}.py')
    with open(path, 'w') as f:
        f.write(f'_base_ = [{osp.join(ROOT, base)!r}]\n'
                f'train_cfg = dict(_delete_=True, {loop}, max_epochs=1, '
                'val_interval=1000)\n'
                'custom_hooks = []\n'
                'val_cfg = val_dataloader = val_evaluator = None\n'
                # each logged time that iteration's own, not a window mean
                "log_processor = dict(type='LogProcessor', window_size=1, "
                'by_epoch=True)\n'
                "default_hooks = dict(logger=dict(type='LoggerHook', "
                'interval=1), checkpoint=None)\n'
                'randomness = dict(seed=0)\n')
    return path


def common_options(args, data_root: str, variant: str):
    options = [
        f'train_dataloader.dataset.data_root={data_root}',
        f'test_dataloader.dataset.data_root={data_root}',
        f'train_dataloader.batch_size={args.batch_size}',
    ]
    if args.workers is not None:
        options.append(f'train_dataloader.num_workers={args.workers}')
        if args.workers == 0:
            options.append('train_dataloader.persistent_workers=False')
    if variant == 'student':
        options.append(f'model.type={args.student}')
    else:
        options += [
            f'model.architecture.type={args.student}',
            f'model.teacher.type={args.teacher}'
        ]
    return options


def run(cmd, what: str, threads: int) -> None:
    proc = subprocess.run(
        cmd,
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS=str(threads)))
    if proc.returncode:
        sys.exit(f'{what} failed ({" ".join(cmd)}):\n'
                 f'{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}')


def iteration_times(work_dir: str, skip: int):
    """(time, data_time) in seconds of each logged iteration after the
    first ``skip``."""
    files = glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))
    if len(files) != 1:
        sys.exit(f'expected one scalars.json under {work_dir}, found '
                 f'{files}')
    rows = [json.loads(line) for line in open(files[0])]
    rows = [r for r in rows if 'time' in r and r.get('iter', 0) > skip]
    return [r['time'] for r in rows], [r['data_time'] for r in rows]


def main():
    args = parse_args()
    work = args.work_dir or tempfile.mkdtemp(prefix='mmkd_real_loop_')
    os.makedirs(work, exist_ok=True)
    py = sys.executable
    try:
        data_root = args.data_root or write_random_cifar100(
            osp.join(work, 'cifar100'), args.iters * args.batch_size,
            args.batch_size)
        ckpt = write_random_teacher(
            osp.join(work, 'teacher.pth'), args.teacher)
        cache_dir = osp.join(work, 'cache')
        configs = {
            variant:
            derived_config(work, variant.replace('-', '_'),
                           CONFIGS[variant.replace('-ahead',
                                                   '')], variant == 'kd-ahead')
            for variant in args.variants
        }
        options = {
            variant:
            common_options(args, data_root, variant) +
            ([] if variant == 'student' else [f'model.teacher_ckpt={ckpt}']) +
            ([f'train_dataloader.dataset.pipeline.0.cache_dir={cache_dir}']
             if variant == 'cached' else [])
            for variant in args.variants
        }
        if 'cached' in configs:
            run([
                py, 'tools/build_teacher_cache.py', configs['cached'],
                '--draws', '2', '--topk', '10', '--cfg-options',
                *options['cached']
            ], 'building the teacher cache', args.threads)
        # data workers, the main process and the teacher's thread
        workers = 2 if args.workers is None else args.workers
        load = MachineLoad(2 * args.threads + workers)
        times = {v: [] for v in args.variants}
        data = {v: [] for v in args.variants}
        for rep in range(args.repeats):
            for variant in args.variants:
                work_dir = osp.join(work, f'{variant}_{rep}')
                run([
                    py, 'tools/train.py', configs[variant], '--work-dir',
                    work_dir, '--cfg-options', *options[variant]
                ], f'training {variant}', args.threads)
                t, d = iteration_times(work_dir, args.skip)
                times[variant].append(t)
                data[variant].append(d)
                load.sample()
        report(args, times, data, load)
    finally:
        if not args.work_dir:
            shutil.rmtree(work, ignore_errors=True)


def report(args, times, data, load) -> None:
    workers = 'config default (2)' if args.workers is None else args.workers
    print(f'{args.student} <- {args.teacher}, batch {args.batch_size}, '
          f'{args.iters} iterations a run ({args.skip} skipped), '
          f'{args.repeats} repetition(s), data workers: {workers}, '
          f'{args.threads} torch thread(s) a side; '
          f'{load.text().replace("(start, end)", "(start, after each run)")}')
    print(f'| {"variant":<9} | {"ms/iter [spread]":>24} | '
          f'{"data wait ms":>12} | {"x student [min-max]":>21} |')
    print(f'|{"-" * 11}|{"-" * 26}|{"-" * 14}|{"-" * 23}|')
    for variant in args.variants:
        pooled = [t for rep in times[variant] for t in rep]
        low, mid, high = quartiles(pooled)
        wait = statistics.median(d for rep in data[variant] for d in rep)
        if 'student' in times:
            ratios = [
                statistics.median(v) / statistics.median(s)
                for v, s in zip(times[variant], times['student'])
            ]
            ratio = (f'{statistics.median(ratios):.3f} '
                     f'[{min(ratios):.3f}-{max(ratios):.3f}]')
        else:
            ratio = '-'
        spread = f'{mid * 1000:.1f} [{low * 1000:.1f}-{high * 1000:.1f}]'
        print(f'| {variant:<9} | {spread:>24} | {wait * 1000:12.1f} | '
              f'{ratio:>21} |')
    print('ms/iter: median [first-third quartile] of the logged iteration '
          'times, all repetitions pooled; data wait: the part spent waiting '
          'for the batch; x student: ratio of medians within each '
          'repetition, median [min-max] over repetitions')
    warning = load.warning()
    if warning:
        print(warning)


if __name__ == '__main__':
    main()
