"""Measure what distillation costs next to training the student alone.

In one process, on one batch, interleaving the measurements so that
machine noise hits all of them alike, it times and prints (the median of
``--iters`` rounds), each also as a ratio to the student's step alone taken
within each round (median and first-third quartile):

- the student's own train step (forward in loss mode, backward, SGD step);
- the teacher's forward in loss mode (what toolkits that run the whole
  teacher do), in tensor mode, and as mmkd runs it (stopped after its last
  record);
- a distill step that runs the whole teacher in loss mode next to the
  student (the MMRazor-style step), mmkd's sequential distill step, the
  step with the teacher one batch ahead on its own thread, and the step
  with the teacher in bfloat16 (with the change in each distill loss it
  causes);
- with ``--threads N``: the student's step, the sequential distill step
  and the MMRazor-style step also with 2N threads, the cores the pipelined
  step uses (its teacher gets N of its own), so the pipeline is compared
  with the sequential steps given the same cores;
- the peak memory each step adds in the steady state (after the first
  step, which runs the whole teacher once to plan where it stops), each in
  a fresh process (on CPU the
  resident set size with glibc told to return every freed block of 64 KiB
  or more to the system at once, so it follows the live tensors rather
  than what the heap kept from earlier steps; allocated memory on GPU;
  ``--no-memory`` skips it);
- the data loader alone and with the distill step, when the data is on
  disk, so a loader bottleneck shows.

``relative cost = distill / (student + teacher)``: with the full tensor-mode
teacher, and stricter, with the teacher as run. Also lists the teacher's
top-level modules that never run (e.g. ``rpn_head``/``roi_head`` when only
FPN features are distilled) and the machine's load, with a warning when
other work competes for the cores (the figures then mean nothing) or when
too few rounds ran to tell ratios apart.

    python tools/analysis_tools/benchmark_distill.py configs/kd/vid_r20.py \\
        [--batch-size 64] [--iters 30] [--threads 1] [--input-size 3 32 32]

The teacher is random (its checkpoint is not needed to measure time). The
steps, memory, statistics and report live in ``distill_benchmark/``.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0,
                osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import torch  # noqa: E402
from distill_benchmark.memory import measure_only  # noqa
from distill_benchmark.memory import loader_timing, peak_memory_mib
from distill_benchmark.report import BenchmarkReport  # noqa: E402
from distill_benchmark.stats import PairedTimings  # noqa
from distill_benchmark.stats import MachineLoad, timed
from distill_benchmark.steps import AHEAD_STEPS, BenchmarkSteps  # noqa
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

from mmkd.utils import install_safe_checkpoint_loader  # noqa: E402
from mmkd.utils import register_config_scope


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='distillation config')
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument(
        '--iters',
        type=int,
        default=30,
        help='interleaved rounds (10 or more to trust the spread)')
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--input-size', type=int, nargs=3, default=(3, 32, 32))
    parser.add_argument(
        '--threads',
        type=int,
        default=None,
        help='torch threads of each side (student; the teacher running '
        'ahead gets as many on its own thread)')
    parser.add_argument(
        '--teacher-micro-batch',
        type=int,
        help='also time the teacher-ahead step with the teacher on '
        'micro-batches of this size (teacher_execution.micro_batch)')
    parser.add_argument(
        '--no-memory', action='store_true', help='skip the memory figures')
    parser.add_argument('--only', help=argparse.SUPPRESS)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def time_rounds(steps, rounds: int, warmup: int) -> PairedTimings:
    """Each step once per round, in the same order, ``rounds`` times."""
    for _ in range(warmup):
        for fn in steps.values():
            fn()
    timings = PairedTimings(steps)
    for _ in range(rounds):
        for name, fn in steps.items():
            timings.add(name, timed(fn))
    for name in ('ahead', 'ahead_micro'):
        if name in timings:
            timings.scale(name, AHEAD_STEPS)
    return timings


def main():
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    install_safe_checkpoint_loader()
    register_config_scope()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmkd'))
    bench = BenchmarkSteps(cfg, args.batch_size, args.input_size,
                           args.teacher_micro_batch, bool(args.threads))
    steps = bench.steps
    if args.only:  # a trial run would grow the heap before the baseline
        measure_only(steps[args.only], bench.settle, args.warmup)
        return
    # the teacher-ahead step keeps two threads' worth of cores busy
    load = MachineLoad(2 * torch.get_num_threads())
    try:
        steps['low']()
    except RuntimeError as err:  # e.g. an op without a bf16 CPU kernel
        low_problem = f'{type(err).__name__}: {err}'.splitlines()[0]
        steps.pop('low')
    else:
        low_problem = None
    timings = time_rounds(steps, args.iters, args.warmup)
    load.sample()
    memory = {} if args.no_memory else {
        name: peak_memory_mib(__file__, sys.argv[1:], name)
        for name in steps
    }
    children = set(
        name
        for name, _ in bench.teacher.named_children()) - {'data_preprocessor'}
    skipped = sorted(children - bench.teacher_children_run(steps['distill']))
    mmrazor_skipped = sorted(
        children - bench.teacher_children_run(steps['mmrazor'], iters=1))
    report = BenchmarkReport(bench, timings, load, memory,
                             args.teacher_micro_batch)
    report.header(args.config, torch.get_num_threads(), args.iters)
    report.table()
    report.ratios()
    report.memory_line()
    report.teacher_lines(skipped, mmrazor_skipped, low_problem)
    report.loader_line(loader_timing(cfg, args.batch_size, steps['distill']))
    load.sample()
    report.warnings(args.iters)


if __name__ == '__main__':
    main()
