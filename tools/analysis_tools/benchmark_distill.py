"""Measure what distillation costs next to training the student alone.

In one process, on one batch, interleaving the measurements so that
machine noise hits all of them alike (medians of ``--iters`` rounds), it
times and prints, each also as a ratio to the student's step alone:

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
- the peak memory each step adds, each in a fresh process (on CPU the
  resident set size with glibc told to return every freed block of 64 KiB
  or more to the system at once, so it follows the live tensors rather
  than what the heap kept from earlier steps; allocated memory on GPU;
  ``--no-memory`` skips it);
- the data loader alone and with the distill step, when the data is on
  disk, so a loader bottleneck shows.

``relative cost = distill / (student + teacher)``: with the full tensor-mode
teacher, and stricter, with the teacher as run. Also lists the teacher's
top-level modules that never run (e.g. ``rpn_head``/``roi_head`` when only
FPN features are distilled) and the machine's load.

    python tools/analysis_tools/benchmark_distill.py configs/kd/vid_r20.py \\
        [--batch-size 64] [--iters 20] [--threads 1] [--input-size 3 32 32]

The teacher is random (its checkpoint is not needed to measure time).
"""
import argparse
import contextlib
import copy
import os
import os.path as osp
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(
    0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import torch  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

from mmkd.models.distillers import \
    distill_step as mmkd_distill_step  # noqa: E402
from mmkd.registry import MODELS  # noqa: E402
from mmkd.structures import ClsDataSample  # noqa: E402
from mmkd.utils import (install_safe_checkpoint_loader,  # noqa: E402
                        register_config_scope)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='distillation config')
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--iters', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument(
        '--input-size', type=int, nargs=3, default=(3, 32, 32))
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


def make_batch(cfg, algo, args):
    """One preprocessed training batch: real data, or random images for a
    classifier whose data set is not on disk."""
    from mmengine.runner import Runner
    loader_cfg = copy.deepcopy(cfg.train_dataloader)
    loader_cfg.update(
        batch_size=args.batch_size, num_workers=0, persistent_workers=False)
    try:
        data = next(iter(Runner.build_dataloader(loader_cfg, seed=0)))
        source = 'a batch of the training data'
    except FileNotFoundError as err:
        if not hasattr(algo.architecture, 'num_classes'):
            raise FileNotFoundError(
                f'{err} The benchmark needs one batch of the training data; '
                'point the data roots at it with --cfg-options.') from None
        num_classes = algo.architecture.num_classes
        data = dict(
            inputs=list(
                torch.randint(0, 256, (args.batch_size, *args.input_size),
                              dtype=torch.uint8)),
            data_samples=[
                ClsDataSample(metainfo=dict(sample_idx=i)).set_gt_label(
                    i % num_classes) for i in range(args.batch_size)
            ])
        source = 'random images (the data set is not on disk)'
    processed = algo.data_preprocessor(data, True)
    return data, processed['inputs'], processed['data_samples'], source


def teacher_children_run(algo, step, iters=2):
    """Names of the teacher's top-level modules that ran in ``step``."""
    ran = set()
    # Hooks on every submodule, credited to its top-level parent: mmdet
    # calls some heads' ``forward()`` directly, which fires no hook on the
    # head itself but does on the layers inside it.
    handles = [
        # prepended: the early-stop hook may raise right after the module
        module.register_forward_hook(
            lambda mod, i, o, name=name.split('.')[0]: ran.add(name),
            prepend=True)
        for name, module in algo.teacher.named_modules() if name
    ]
    try:
        for _ in range(iters):
            step()
    finally:
        for handle in handles:
            handle.remove()
    return ran


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


AHEAD_STEPS = 8  # consecutive steps timed for the teacher-ahead pipeline


def peak_memory_mib(name: str) -> float:
    """Peak memory the step ``name`` adds, measured in a fresh process (this
    script with ``--only NAME``): resident set size on CPU, allocated memory
    on GPU, over what the built models and the batch already use."""
    cmd = [sys.executable, __file__] + [
        a for a in sys.argv[1:] if a != '--no-memory'
    ] + ['--only', name]
    # glibc otherwise keeps freed blocks (and raises its mmap threshold as
    # blocks are freed), so the resident set remembers earlier allocations
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_='65536')
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=1800, env=env)
    for line in proc.stdout.splitlines():
        if line.startswith('PEAK_MIB '):
            return float(line.split()[1])
    return float('nan')


def _rss_bytes() -> int:
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


def measure_only(step, warmup: int) -> None:
    """Print the peak memory ``step`` adds (for :func:`peak_memory_mib`):
    on CPU the resident set size, sampled every millisecond from before the
    first step (a fresh process has not grown its heap for it yet)."""
    if torch.cuda.is_available():
        torch.cuda.synchronize()
        base = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
        for _ in range(warmup + 2):
            step()
        torch.cuda.synchronize()
        print(f'PEAK_MIB {(torch.cuda.max_memory_allocated() - base) / 2**20}')
        return
    base = _rss_bytes()
    peak, done = [base], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], _rss_bytes())
            done.wait(0.001)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        for _ in range(warmup + 2):
            step()
    finally:
        done.set()
        sampler.join()
    print(f'PEAK_MIB {(max(peak[0], _rss_bytes()) - base) / 2**20:.2f}')


def loader_timing(cfg, args, step, batches: int = 5):
    """ms per batch of the training loader alone and with ``step``."""
    from mmengine.runner import Runner
    loader_cfg = copy.deepcopy(cfg.train_dataloader)
    loader_cfg.update(batch_size=args.batch_size, persistent_workers=False)
    try:
        loader = Runner.build_dataloader(loader_cfg, seed=0)
        state = dict(it=iter(loader))
    except FileNotFoundError:
        return None

    def next_batch():
        try:
            return next(state['it'])
        except StopIteration:
            state['it'] = iter(loader)
            return next(state['it'])

    next_batch()
    alone = statistics.median(timed(next_batch) for _ in range(batches))
    with_step = statistics.median(
        timed(lambda: (next_batch(), step())) for _ in range(batches))
    return alone * 1000, with_step * 1000


def build(cfg, **overrides):
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.update(teacher_ckpt=None, teacher_ckpt_optional=True,
                     **overrides)
    if cfg.get('data_preprocessor') is not None:  # as the Runner does
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    torch.manual_seed(0)
    algo = MODELS.build(model_cfg).train()
    # losses that sample by class (CRD) get labels as DatasetLabelsHook
    # would give them; random ones, the benchmark's data being random
    num_classes = getattr(algo.architecture, 'num_classes', 1)
    for module in algo.modules():
        if hasattr(module, 'set_dataset_labels'):
            module.set_dataset_labels(
                torch.arange(module.n_data) % num_classes)
    return algo


def distill_losses(algo, inputs, samples):
    with torch.no_grad():
        return {
            k: float(v)
            for k, v in algo(inputs, samples, mode='loss').items()
            if k.startswith('distill.')
        }


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
    algo = build(cfg)
    low = build(cfg, teacher_execution=dict(precision='bf16'))
    micro = None if not args.teacher_micro_batch else build(
        cfg, teacher_execution=dict(micro_batch=args.teacher_micro_batch))
    student, teacher = algo.architecture, algo.teacher

    torch.manual_seed(0)
    raw, inputs, samples, source = make_batch(cfg, algo, args)
    # lr=0: the step does all of SGD's work but leaves the weights as they
    # are, so every timed run sees the same model (training on one batch for
    # many steps can diverge, e.g. YOLOX's SimOTA then fails on NaNs).
    student_opt = torch.optim.SGD(student.parameters(), lr=0.0)
    algo_opt = torch.optim.SGD(algo.parameters(), lr=0.0)
    low_opt = torch.optim.SGD(low.parameters(), lr=0.0)
    micro_opt = None if micro is None else torch.optim.SGD(
        micro.parameters(), lr=0.0)

    def student_step():
        student_opt.zero_grad()
        loss, _ = student.parse_losses(student(inputs, samples, mode='loss'))
        loss.backward()
        student_opt.step()

    @torch.no_grad()
    def teacher_loss_mode():
        teacher(inputs, samples, mode='loss')

    @torch.no_grad()
    def teacher_forward():
        teacher(inputs, samples, mode='tensor')

    def teacher_as_run():
        algo.run_teacher(inputs, samples)
        algo.distiller.reset()

    def train_step(model, opt):
        opt.zero_grad()
        loss, _ = model.parse_losses(model(inputs, samples, mode='loss'))
        loss.backward()
        opt.step()

    def distill_step():
        train_step(algo, algo_opt)

    def wide(step):
        """``step`` with twice the threads: the cores of the pipeline."""

        def run():
            threads = torch.get_num_threads()
            torch.set_num_threads(2 * threads)
            try:
                step()
            finally:
                torch.set_num_threads(threads)

        return run

    def mmrazor_style_step():
        """The whole teacher in loss mode (no early exit, its own losses
        computed, as MMRazor's SingleTeacherDistill runs it), then the
        student, then the losses."""
        planner = algo.frozen_teacher.planner
        execution = algo.frozen_teacher.execution
        # the whole batch at once, whatever the config's micro_batch
        micro_batch, execution.micro_batch = execution.micro_batch, None
        try:
            with planner.suspended() if planner else \
                    contextlib.nullcontext():
                algo_opt.zero_grad()
                student_losses, losses = mmkd_distill_step(
                    algo.distiller, algo.frozen_teacher,
                    lambda t: t(inputs, samples, mode='loss'),
                    lambda: student(inputs, samples, mode='loss'), samples)
                loss, _ = algo.parse_losses(
                    algo.merge_losses(student_losses, losses))
                loss.backward()
                algo_opt.step()
        finally:
            execution.micro_batch = micro_batch

    ahead_problem = []

    def ahead_steps(model=algo, opt=algo_opt):
        """AHEAD_STEPS steps as TeacherAheadEpochBasedTrainLoop runs them:
        the teacher's run for the next batch starts before each step, so
        it overlaps the step; the first run (the pipeline's fill) is
        included."""
        queue = [model.run_teacher_ahead(raw)]
        for i in range(AHEAD_STEPS):
            if i + 1 < AHEAD_STEPS:
                queue.append(model.run_teacher_ahead(raw))
            train_step(model, opt)
        ahead_problem[:] = [p for p in queue if p][:1]

    steps = dict(
        student=student_step,
        teacher_loss=teacher_loss_mode,
        teacher=teacher_forward,
        teacher_as_run=teacher_as_run,
        mmrazor=mmrazor_style_step,
        distill=distill_step,
        ahead=ahead_steps,
        low=lambda: train_step(low, low_opt))
    if micro is not None:
        steps['ahead_micro'] = lambda: ahead_steps(micro, micro_opt)
    if args.threads:
        steps.update(
            student_wide=wide(student_step),
            distill_wide=wide(distill_step),
            mmrazor_wide=wide(mmrazor_style_step))
    if args.only:  # a trial run would grow the heap before the baseline
        measure_only(steps[args.only], args.warmup)
        return
    try:
        steps['low']()
    except RuntimeError as err:  # e.g. an op without a bf16 CPU kernel
        low_problem = f'{type(err).__name__}: {err}'.splitlines()[0]
        steps.pop('low')
    else:
        low_problem = None
    for _ in range(args.warmup):
        for fn in steps.values():
            fn()
    times = {name: [] for name in steps}
    for _ in range(args.iters):
        for name, fn in steps.items():
            times[name].append(timed(fn))
    for name in ('ahead', 'ahead_micro'):
        if name in times:
            times[name] = [t / AHEAD_STEPS for t in times[name]]
    med = {name: statistics.median(t) * 1000 for name, t in times.items()}
    memory = {} if args.no_memory else {
        name: peak_memory_mib(name)
        for name in steps
    }

    children = set(name for name, _ in teacher.named_children()) - {
        'data_preprocessor'
    }
    skipped = sorted(children - teacher_children_run(algo, distill_step))
    mmrazor_skipped = sorted(
        children - teacher_children_run(algo, mmrazor_style_step, iters=1))
    print(f'config: {args.config}')
    print(f'batch {args.batch_size} ({source}, inputs '
          f'{tuple(inputs.shape)}), {torch.get_num_threads()} thread(s) per '
          f'side, median of {args.iters} interleaved runs, load average '
          f'{" ".join(f"{x:.2f}" for x in os.getloadavg())} on '
          f'{os.cpu_count()} CPUs')
    rows = [
        ('student train step alone', 'student'),
        ('teacher forward, loss mode (full)', 'teacher_loss'),
        ('teacher forward, tensor mode (full)', 'teacher'),
        ('teacher forward as distill runs it', 'teacher_as_run'),
        ('MMRazor-style step (teacher in loss mode)', 'mmrazor'),
        ('distill step', 'distill'),
        (f'distill step, teacher ahead ({AHEAD_STEPS}-step run)', 'ahead'),
        ('distill step, bf16 teacher', 'low'),
        (f'teacher ahead, micro-batches of {args.teacher_micro_batch}',
         'ahead_micro'),
        ('student train step alone, 2x threads', 'student_wide'),
        ('MMRazor-style step, 2x threads', 'mmrazor_wide'),
        ('distill step, 2x threads', 'distill_wide'),
    ]
    rows = [(label, key) for label, key in rows if key in med]
    print(f'| {"measurement":<42} | {"ms":>9} | {"x student":>9} | '
          f'{"peak MiB":>8} |')
    print(f'|{"-" * 44}|{"-" * 11}|{"-" * 11}|{"-" * 10}|')
    for label, key in rows:
        mem = f'{memory[key]:8.1f}' if key in memory else f'{"-":>8}'
        print(f'| {label:<42} | {med[key]:9.2f} | '
              f'{med[key] / med["student"]:9.3f} | {mem} |')
    cost = med['distill'] / (med['student'] + med['teacher'])
    print(f'relative cost = distill / (student + teacher) = {cost:.3f}')
    as_run = med['distill'] / (med['student'] + med['teacher_as_run'])
    print(f'relative cost vs teacher as run = distill / (student + teacher '
          f'as run) = {as_run:.3f}')
    print(f'speed-up over the MMRazor-style step = '
          f'{med["mmrazor"] / med["distill"]:.3f} (sequential), '
          f'{med["mmrazor"] / med["ahead"]:.3f} (teacher ahead)' + (
              f'; with the same cores (2x threads for the MMRazor-style '
              f'step): {med["mmrazor_wide"] / med["ahead"]:.3f}'
              if 'mmrazor_wide' in med else ''))
    if memory:
        weights = sum(
            t.numel() * t.element_size()
            for t in [*teacher.parameters(), *teacher.buffers()]) / 2**20
        print(f'peak memory over the student step: ' + ', '.join(
            f'{key} {memory[key] / memory["student"]:.3f}x'
            for key in ('distill', 'ahead', 'low', 'ahead_micro')
            if key in memory) +
              f' (the teacher\'s weights, {weights:.1f} MiB, are not '
              'counted: they are in every step\'s baseline)')
    print(f'teacher as run / full forward = '
          f'{med["teacher_as_run"] / med["teacher"]:.3f}')
    if ahead_problem:
        print(f'the teacher could not run ahead: {ahead_problem[0]}')
    print('teacher modules never run in distill steps: ' +
          (', '.join(skipped) if skipped else 'none'))
    print('teacher modules never run in MMRazor-style steps: ' +
          (', '.join(mmrazor_skipped) if mmrazor_skipped else 'none'))
    if low_problem is not None:
        print(f'the bf16 teacher could not run: {low_problem}')
    else:
        want, got = distill_losses(algo, inputs, samples), distill_losses(
            low, inputs, samples)
        print('distill losses with the bf16 teacher: ' + ', '.join(
            f'{k} {got[k]:.4g} vs {v:.4g} '
            f'({(got[k] - v) / abs(v) * 100:+.2f}%)'
            if v else f'{k} {got[k]:.4g} vs 0' for k, v in want.items()))
    loader = loader_timing(cfg, args, distill_step)
    if loader is None:
        print('data loader: not measured (the data set is not on disk)')
    else:
        print(f'data loader: {loader[0]:.1f} ms per batch alone, '
              f'{loader[1]:.1f} ms per iteration with the distill step '
              f'(loading is {loader[0] / loader[1] * 100:.0f}% of it; '
              'num_workers overlaps it with training)')


if __name__ == '__main__':
    main()
