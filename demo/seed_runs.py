"""The loop the demos share: teacher, student alone and distilled students,
trained in order for each seed, the teacher's checkpoint handed on, with a
progress line per run and an estimate of the time left."""
import statistics
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

# run(name, config, seed, teacher_ckpt) -> (scores, checkpoint path)
RunFn = Callable[[str, str, int, Optional[str]], Tuple[Any, str]]


def format_duration(seconds: float) -> str:
    """``'45 s'``, ``'3 min 05 s'``."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f'{seconds} s'
    return f'{seconds // 60} min {seconds % 60:02d} s'


def estimate_left(durations: Dict[str, List[float]],
                  remaining: Sequence[str],
                  costs: Optional[Dict[str, float]] = None) -> Optional[float]:
    """Seconds the ``remaining`` runs (their names, repeats allowed) should
    take.

    A name that has run counts its mean duration. One that has not yet
    counts its relative cost (``costs``, 1 for names not in it) times the
    seconds per unit of cost of the names that have run.

    Returns:
        float | None: The estimate, or None before any run has finished.
    """
    costs = costs or {}
    measured = {
        name: statistics.mean(times)
        for name, times in durations.items() if times
    }
    if not measured:
        return None
    per_cost = sum(measured.values()) / sum(
        costs.get(name, 1.0) for name in measured)
    return sum(
        measured.get(name,
                     costs.get(name, 1.0) * per_cost) for name in remaining)


def run_seeds(
        runs: Sequence[Tuple[str, str]],
        seeds: int,
        teacher: str,
        run: RunFn,
        describe: Callable[[Any], str],
        costs: Optional[Dict[str, float]] = None) -> Dict[str, List[Any]]:
    """Run every ``(name, config)`` of ``runs`` for each seed, in order.

    The run named ``teacher`` must come first; its checkpoint is passed to
    the later runs of the same seed (``None`` before it has run). A
    progress line per run uses ``describe(scores)`` and says about how
    long the remaining runs will take: from the durations so far and, for
    runs not yet seen, their relative ``costs`` (see :func:`estimate_left`).

    Returns:
        dict: ``{name: [scores of seed 0, seed 1, ...]}``.
    """
    results = {name: [] for name, _ in runs}
    durations = {name: [] for name, _ in runs}
    order = [(seed, name, config) for seed in range(seeds)
             for name, config in runs]
    teacher_ckpt = None
    for done, (seed, name, config) in enumerate(order, 1):
        if name == runs[0][0]:
            teacher_ckpt = None  # a new seed: its teacher runs first
        tic = time.time()
        scores, ckpt = run(name, config, seed, teacher_ckpt)
        if name == teacher:
            teacher_ckpt = ckpt
        results[name].append(scores)
        durations[name].append(time.time() - tic)
        left = estimate_left(durations, [n for _, n, _ in order[done:]], costs)
        eta = f'; about {format_duration(left)} left' if done < len(
            order) else ''
        print(
            f'[{done}/{len(order)}] seed {seed}, {name}: '
            f'{describe(scores)} ({format_duration(durations[name][-1])}'
            f'{eta})',
            flush=True)
    return results


def mean_std(values: Sequence[float], digits: int = 2) -> str:
    """``mean +- stdev`` over seeds, or the value of a single seed."""
    if len(values) == 1:
        return f'{values[0]:.{digits}f}'
    return (f'{statistics.mean(values):.{digits}f} +- '
            f'{statistics.stdev(values):.{digits}f}')


def load_run_cfg(path: str,
                 work_dir: str,
                 seed: int,
                 log_level: str = 'WARNING'):
    """Load a config for one run of a seed loop: its work dir, an
    experiment name per seed, the seed, and only messages of ``log_level``
    and above on the console (``'ERROR'`` also hides MMEngine's deprecation
    warnings, which it repeats for every run)."""
    import os.path as osp

    from mmengine.config import Config
    cfg = Config.fromfile(path)
    cfg.work_dir = work_dir
    cfg.experiment_name = \
        f'{osp.splitext(osp.basename(path))[0]}_seed{seed}'
    cfg.randomness = dict(seed=seed, deterministic=False)
    cfg.log_level = log_level
    return cfg


def drop_teacher_evaluation(cfg) -> None:
    """Remove ``EvaluateTeacherHook`` (the teacher's own run already
    reported its score)."""
    cfg.custom_hooks = [
        hook for hook in cfg.get('custom_hooks', [])
        if 'EvaluateTeacherHook' not in hook['type']
    ]
