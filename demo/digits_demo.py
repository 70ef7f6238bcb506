"""mmkd's main demo: what knowledge distillation is for, on the 8x8
handwritten digits bundled with scikit-learn.

A small student has only a few labelled images; a large teacher was trained
on many. For each seed, from the configs in ``configs/digits/``:

1. the teacher, a 64-channel 5-conv CNN (150k parameters), is trained on
   all 1,200 training digits (``cnn64x5_digits.py``);
2. the student, a 16-channel 2-conv CNN (2.6k parameters), is trained
   alone on only 3 labelled images per digit, 30 in all
   (``cnn16x2_digits-3shot.py``);
3. the same student, on the same 30 images, is distilled from that teacher
   with each of five methods of different kinds, each from its own config
   (``<method>_cnn64x5_cnn16x2_digits-3shot.py``): KD and DKD (the
   teacher's softened class probabilities), DIST (correlations of the
   probabilities), FitNet (the teacher's penultimate features through a
   learned regressor) and CRD (contrastive, with memory banks).

It prints the test top-1 on the 597 held-out digits (mean +- std over the
seeds), each method's gain over the student alone and whether that gain is
clear (at least 2 points and larger than the std of either row), and writes
``digits_demo.png`` (validation curves and a bar chart with error bars) and
``results.json`` to the work dir. Everything runs offline on the CPU, one
thread per run by default (tiny models gain nothing from more, and on a
busy machine two threads per run were up to 7x slower).

    python demo/digits_demo.py [--seeds 3] [--methods kd,dkd,dist,fitnet,crd]
        [--epochs N] [--threads 1] [--work-dir work_dirs/digits_demo]
"""
import argparse
import glob
import json
import logging
import os.path as osp
import statistics
import sys
import time
import warnings
from typing import Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

CONFIG_DIR = osp.join(
    osp.dirname(osp.dirname(osp.abspath(__file__))), 'configs', 'digits')
TEACHER = 'teacher (cnn64x5, all 1,200)'
ALONE = 'student alone (cnn16x2, 30)'
# key: (row name, config)
MODELS = dict(
    teacher=(TEACHER, 'cnn64x5_digits.py'),
    alone=(ALONE, 'cnn16x2_digits-3shot.py'),
    kd=('student + KD', 'kd_cnn64x5_cnn16x2_digits-3shot.py'),
    dkd=('student + DKD', 'dkd_cnn64x5_cnn16x2_digits-3shot.py'),
    dist=('student + DIST', 'dist_cnn64x5_cnn16x2_digits-3shot.py'),
    fitnet=('student + FitNet', 'fitnet_cnn64x5_cnn16x2_digits-3shot.py'),
    crd=('student + CRD', 'crd_cnn64x5_cnn16x2_digits-3shot.py'),
)
METHODS = ('kd', 'dkd', 'dist', 'fitnet', 'crd')
# seconds per run on 2 idle cores, 1 thread: teacher 21, student 6, a
# distilled student 9; only the ratios matter (time-left estimates)
RELATIVE_COST = dict(teacher=3.5, alone=1.0, method=1.5)
MIN_GAIN = 2.0  # points of top-1 a clear gain needs at least
PLOT = 'digits_demo.png'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--seeds', type=int, default=3, help='number of seeds per model')
    parser.add_argument(
        '--methods',
        default=','.join(METHODS),
        help=f'comma-separated subset of {",".join(METHODS)}')
    parser.add_argument(
        '--epochs',
        type=int,
        default=None,
        help='override the epochs of every run (for a quick check)')
    parser.add_argument(
        '--threads',
        type=int,
        default=1,
        help='torch threads per run (default 1)')
    parser.add_argument('--work-dir', default='work_dirs/digits_demo')
    args = parser.parse_args(argv)
    args.methods = [m for m in args.methods.split(',') if m]
    unknown = sorted(set(args.methods) - set(METHODS))
    if unknown:
        parser.error(f'unknown methods {unknown}; choose from {METHODS}')
    if args.seeds < 1:
        parser.error('--seeds must be at least 1')
    return args


def quiet() -> None:
    """Keep the demo's output to its own lines: no Python warnings, and
    (with ``log_level='ERROR'`` in each run's config) none of MMEngine's
    repeated deprecation warnings."""
    warnings.filterwarnings('ignore')
    logging.getLogger('mmengine').setLevel(logging.ERROR)


def train_and_test(
        config: str,
        work_dir: str,
        seed: int,
        epochs: Optional[int] = None,
        teacher_ckpt: Optional[str] = None) -> Tuple[float, List[float], str]:
    """Train one config with one seed.

    Returns:
        tuple: Test top-1, the validation top-1 of each epoch and the path
        of the final checkpoint.
    """
    from mmengine.runner import Runner
    from seed_runs import drop_teacher_evaluation, load_run_cfg

    cfg = load_run_cfg(
        osp.join(CONFIG_DIR, config), work_dir, seed, log_level='ERROR')
    if epochs is not None:
        cfg.train_cfg.max_epochs = epochs
        cfg.param_scheduler.T_max = epochs
    if teacher_ckpt is not None:
        cfg.model.teacher_ckpt = teacher_ckpt
        drop_teacher_evaluation(cfg)  # the teacher's own run reported it
    # keep only the final checkpoint: the teacher's is what students load
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', interval=cfg.train_cfg.max_epochs)
    runner = Runner.from_cfg(cfg)
    runner.train()
    top1 = runner.test()['accuracy/top1']
    return top1, read_val_curve(runner.log_dir), osp.join(
        work_dir, f'epoch_{cfg.train_cfg.max_epochs}.pth')


def read_val_curve(log_dir: str) -> List[float]:
    """Validation top-1 per epoch from the run's ``scalars.json``."""
    curve = []
    for path in glob.glob(osp.join(log_dir, 'vis_data', 'scalars.json')):
        with open(path) as f:
            for line in f:
                record = json.loads(line)
                if 'accuracy/top1' in record and 'lr' not in record:
                    curve.append(record['accuracy/top1'])
    return curve


def summarize(top1: Dict[str, List[float]],
              alone: str = ALONE,
              teacher: str = TEACHER) -> Dict[str, dict]:
    """Mean, std and, for each distilled row, the gain over ``alone`` and
    whether it is clear: at least ``MIN_GAIN`` points and larger than the
    std of either row (None with one seed, which has no spread)."""

    def std(values):
        return statistics.stdev(values) if len(values) > 1 else 0.0

    base = statistics.mean(top1[alone])
    rows = {}
    for name, values in top1.items():
        row = dict(
            values=list(values), mean=statistics.mean(values), std=std(values))
        if name not in (alone, teacher):
            row['gain'] = row['mean'] - base
            row['clear'] = None if min(len(values), len(
                top1[alone])) < 2 else bool(
                    row['gain'] >= MIN_GAIN
                    and row['gain'] > max(row['std'], std(top1[alone])))
        rows[name] = row
    return rows


def format_table(summary: Dict[str, dict]) -> List[str]:
    """The result table as Markdown lines."""
    lines = [
        f'| {"model":<29} | {"test top-1 (%)":>15} | {"gain":>6} | '
        f'{"clear gain":<10} |',
        f'|{"-" * 31}|{"-" * 17}|{"-" * 8}|{"-" * 12}|'
    ]
    for name, row in summary.items():
        values = row['values']
        cell = (f'{row["mean"]:.2f}' if len(values) == 1 else
                f'{row["mean"]:.2f} +- {row["std"]:.2f}')
        gain = f'{row["gain"]:+.2f}' if 'gain' in row else ''
        clear = {True: 'yes', False: 'no', None: 'n/a'}[row['clear']] \
            if 'gain' in row else ''
        lines.append(f'| {name:<29} | {cell:>15} | {gain:>6} | '
                     f'{clear:<10} |')
    return lines


def plot(summary: Dict[str, dict], curves: Dict[str, List[List[float]]],
         path: str, seeds: int) -> None:
    """Left: mean validation curve of each student (band: min to max over
    seeds). Right: test top-1 per model, mean with std error bars and the
    seeds as dots; the teacher's as a dashed line in both."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import numpy as np

    teacher = summary.get(TEACHER)
    students = [name for name in summary if name != TEACHER]
    colors = plt.get_cmap('tab10')
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(13, 5), gridspec_kw=dict(width_ratios=[1.1, 1]))
    for i, name in enumerate(students):
        runs = curves[name]
        length = min(len(r) for r in runs)
        if length == 0:
            continue
        data = np.array([r[:length] for r in runs])
        epochs = np.arange(1, length + 1)
        left.plot(
            epochs,
            data.mean(0),
            label=name,
            color=colors(i),
            lw=2.2 if name == ALONE else 1.6,
            ls='--' if name == ALONE else '-')
        left.fill_between(
            epochs, data.min(0), data.max(0), color=colors(i), alpha=0.08)
    if teacher:
        left.axhline(
            teacher['mean'],
            color='k',
            ls=':',
            lw=1.2,
            label=f'teacher (test), {teacher["mean"]:.1f}')
    left.set_xlabel('epoch (20 passes over the 30 labelled images)')
    left.set_ylabel('validation top-1 (%)')
    left.set_ylim(40, 100)
    left.grid(alpha=0.3)
    left.legend(loc='lower right', fontsize=8)
    left.set_title('Students on 3 labelled images per digit')

    xs = np.arange(len(students))
    means = [summary[n]['mean'] for n in students]
    stds = [summary[n]['std'] for n in students]
    right.bar(
        xs,
        means,
        yerr=stds,
        capsize=5,
        color=[colors(i) for i in range(len(students))],
        alpha=0.75)
    for x, name in zip(xs, students):
        values = summary[name]['values']
        right.scatter([x] * len(values), values, color='k', s=12, zorder=3)
        label = f'{summary[name]["mean"]:.1f}'
        if 'gain' in summary[name]:
            label += f'\n({summary[name]["gain"]:+.1f})'
        top = max(max(values), summary[name]['mean'] + summary[name]['std'])
        right.text(x, top + 0.6, label, ha='center', va='bottom', fontsize=8)
    if teacher:
        right.axhline(teacher['mean'], color='k', ls=':', lw=1.2)
        right.text(
            len(students) - 0.5,
            teacher['mean'] - 0.4,
            f'teacher {teacher["mean"]:.1f}',
            ha='right',
            va='top',
            fontsize=8)
    low = min(min(summary[n]['values']) for n in students)
    right.set_ylim(max(0, low - 8), 100)
    right.set_xticks(xs)
    right.set_xticklabels([
        n.replace('student ', '').replace(' (cnn16x2, 30)', '')
        for n in students
    ],
                          rotation=20,
                          ha='right')
    right.set_ylabel('test top-1 (%)')
    right.set_title(f'Test top-1, mean +- std over {seeds} seed'
                    f'{"s" if seeds > 1 else ""} (dots: seeds)')
    right.grid(axis='y', alpha=0.3)
    fig.suptitle('Knowledge distillation on the 8x8 digits (mmkd): '
                 'cnn64x5 teacher (1,200 images) -> cnn16x2 student (30)')
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def verdict(summary: Dict[str, dict]) -> List[str]:
    """One line per distilled row on the clear-gain criterion."""
    alone = summary[ALONE]
    lines = []
    for name, row in summary.items():
        if 'gain' not in row:
            continue
        spread = max(row['std'], alone['std'])
        head = f'  {name[len("student + "):]:<7} {row["gain"]:+6.2f} points: '
        if row['clear'] is None:
            lines.append(head + 'n/a (one seed has no spread)')
            continue
        lines.append(
            head + ('clear' if row['clear'] else 'not clear') +
            f' (needs >= {MIN_GAIN:.0f} and > {spread:.2f}, the larger std)')
    return lines


def main(argv: Optional[Sequence[str]] = None) -> dict:
    args = parse_args(argv)
    quiet()
    import torch
    torch.set_num_threads(args.threads)
    from seed_runs import format_duration, run_seeds

    from mmkd.utils import install_safe_checkpoint_loader
    install_safe_checkpoint_loader()  # the students load the teacher's

    keys = ['teacher', 'alone'] + args.methods
    runs = [MODELS[k] for k in keys]
    print(
        f'Digits demo: teacher cnn64x5 on all 1,200 training digits; '
        f'student cnn16x2 on 3 labelled images per digit (30), alone and '
        f'with {", ".join(MODELS[m][0][10:] for m in args.methods)}; '
        f'{len(runs)} runs x {args.seeds} seed'
        f'{"s" if args.seeds > 1 else ""}, {args.threads} thread'
        f'{"s" if args.threads > 1 else ""} each.',
        flush=True)
    start = time.time()

    def run(name, config, seed, teacher_ckpt):
        top1, curve, ckpt = train_and_test(
            config,
            osp.join(args.work_dir,
                     f'{osp.splitext(config)[0]}_seed{seed}'), seed,
            args.epochs, None if name in (TEACHER, ALONE) else teacher_ckpt)
        return (top1, curve), ckpt

    # relative durations measured on 2 cores, for the first time estimates
    costs = {
        name: RELATIVE_COST.get(key, RELATIVE_COST['method'])
        for key, (name, _) in zip(keys, runs)
    }
    results = run_seeds(runs, args.seeds, TEACHER, run,
                        lambda scores: f'top-1 {scores[0]:.2f}%', costs)
    elapsed = time.time() - start
    top1 = {name: [t for t, _ in r] for name, r in results.items()}
    curves = {name: [c for _, c in r] for name, r in results.items()}
    summary = summarize(top1)

    print(f'\nTest top-1 on the 597 held-out digits, {args.seeds} seed'
          f'{"s" if args.seeds > 1 else ""} ({format_duration(elapsed)} in '
          'all); gain: over the student alone:')
    print('\n'.join(format_table(summary)))
    if args.methods:
        print('\nClear gain = at least 2 points and more than the std of '
              'either row:')
        print('\n'.join(verdict(summary)))
    path = osp.join(args.work_dir, PLOT)
    plot(summary, curves, path, args.seeds)
    out = dict(
        seeds=args.seeds,
        epochs=args.epochs,
        threads=args.threads,
        seconds=round(elapsed, 1),
        rows=summary,
        curves=curves,
        configs={
            name: config
            for name, config in runs
        })
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump(out, f, indent=1)
    print(f'\nPlot: {path}\nNumbers: '
          f'{osp.join(args.work_dir, "results.json")}')
    return out


if __name__ == '__main__':
    sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
    main()
