"""The loop the demos share: teacher, student alone and distilled student,
trained in order for each seed, the teacher's checkpoint handed on."""
import statistics
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

# run(name, config, seed, teacher_ckpt) -> (scores, checkpoint path)
RunFn = Callable[[str, str, int, Optional[str]], Tuple[Any, str]]


def run_seeds(runs: Sequence[Tuple[str, str]], seeds: int, teacher: str,
              run: RunFn,
              describe: Callable[[Any], str]) -> Dict[str, List[Any]]:
    """Run every ``(name, config)`` of ``runs`` for each seed, in order.

    The run named ``teacher`` must come first; its checkpoint is passed to
    the later runs of the same seed (``None`` before it has run). A
    progress line per run uses ``describe(scores)``.

    Returns:
        dict: ``{name: [scores of seed 0, seed 1, ...]}``.
    """
    results = {name: [] for name, _ in runs}
    total, done = len(runs) * seeds, 0
    for seed in range(seeds):
        teacher_ckpt = None
        for name, config in runs:
            done += 1
            tic = time.time()
            scores, ckpt = run(name, config, seed, teacher_ckpt)
            if name == teacher:
                teacher_ckpt = ckpt
            results[name].append(scores)
            print(f'[{done}/{total}] seed {seed}, {name}: '
                  f'{describe(scores)} ({time.time() - tic:.0f} s)',
                  flush=True)
    return results


def mean_std(values: Sequence[float], digits: int = 2) -> str:
    """``mean +- stdev`` over seeds, or the value of a single seed."""
    if len(values) == 1:
        return f'{values[0]:.{digits}f}'
    return (f'{statistics.mean(values):.{digits}f} +- '
            f'{statistics.stdev(values):.{digits}f}')


def load_run_cfg(path: str, work_dir: str, seed: int):
    """Load a config for one run of a seed loop: its work dir, an
    experiment name per seed, the seed, and only warnings on the console."""
    import os.path as osp

    from mmengine.config import Config
    cfg = Config.fromfile(path)
    cfg.work_dir = work_dir
    cfg.experiment_name = \
        f'{osp.splitext(osp.basename(path))[0]}_seed{seed}'
    cfg.randomness = dict(seed=seed, deterministic=False)
    cfg.log_level = 'WARNING'
    return cfg


def drop_teacher_evaluation(cfg) -> None:
    """Remove ``EvaluateTeacherHook`` (the teacher's own run already
    reported its score)."""
    cfg.custom_hooks = [
        hook for hook in cfg.get('custom_hooks', [])
        if 'EvaluateTeacherHook' not in hook['type']
    ]
