"""mmkd's main demo: knowledge distillation on the 8x8 handwritten digits
bundled with scikit-learn.

For each seed, from the configs in ``configs/digits/``:

1. the teacher (a 64-channel, 5-conv CNN) is trained;
2. the student (an 8-channel, 2-conv CNN) is trained alone;
3. the same student is distilled from that teacher (vanilla KD, T=4,
   0.1 * CE + 0.9 * KD).

It prints the test accuracy of the three (mean and spread over the seeds)
and writes a PNG of their validation curves. Everything runs offline on the
CPU in a few minutes.

    python demo/digits_demo.py [--seeds 3] [--work-dir work_dirs/digits_demo]
"""
import argparse
import glob
import json
import os.path as osp
import sys
import time
from typing import Dict, List, Optional, Tuple

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmengine.runner import Runner  # noqa: E402
from seed_runs import load_run_cfg, mean_std, run_seeds  # noqa: E402

from mmkd.utils import install_safe_checkpoint_loader  # noqa: E402

CONFIG_DIR = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                      'configs', 'digits')
TEACHER = 'teacher (cnn64x5)'
RUNS = (
    (TEACHER, 'cnn64x5_digits.py'),
    ('student alone (cnn8x2)', 'cnn8x2_digits.py'),
    ('student + KD (cnn8x2)', 'kd_cnn64x5_cnn8x2_digits.py'),
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--seeds', type=int, default=3, help='number of seeds per model')
    parser.add_argument(
        '--epochs', type=int, default=None, help='override the epochs')
    parser.add_argument('--work-dir', default='work_dirs/digits_demo')
    return parser.parse_args()


def train_and_test(config: str,
                   work_dir: str,
                   seed: int,
                   epochs: Optional[int] = None,
                   teacher_ckpt: Optional[str] = None
                   ) -> Tuple[float, List[float], str]:
    """Train one config with one seed.

    Returns:
        tuple: Test top-1, the validation top-1 of each epoch and the path
        of the final checkpoint.
    """
    cfg = load_run_cfg(osp.join(CONFIG_DIR, config), work_dir, seed)
    if epochs is not None:
        cfg.train_cfg.max_epochs = epochs
        cfg.param_scheduler.T_max = epochs
    if teacher_ckpt is not None:
        cfg.model.teacher_ckpt = teacher_ckpt
    # keep only the final checkpoint: the teacher's is what KD loads
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


def plot_curves(curves: Dict[str, List[List[float]]], path: str) -> None:
    """Mean validation curve (band: min to max over seeds) per model."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, runs in curves.items():
        length = min(len(r) for r in runs)
        data = np.array([r[:length] for r in runs])
        epochs = np.arange(1, length + 1)
        ax.plot(epochs, data.mean(0), label=name)
        ax.fill_between(epochs, data.min(0), data.max(0), alpha=0.2)
    ax.set_xlabel('epoch')
    ax.set_ylabel('validation top-1 (%)')
    ax.set_ylim(50, 100)
    ax.set_title('Knowledge distillation on the 8x8 digits (mmkd)')
    ax.grid(alpha=0.3)
    ax.legend(loc='lower right')
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main():
    args = parse_args()
    install_safe_checkpoint_loader()  # the KD run loads the teacher's
    start = time.time()

    def run(name, config, seed, teacher_ckpt):
        top1, curve, ckpt = train_and_test(
            config,
            osp.join(args.work_dir, f'{osp.splitext(config)[0]}_seed{seed}'),
            seed, args.epochs,
            teacher_ckpt if config.startswith('kd_') else None)
        return (top1, curve), ckpt

    runs = run_seeds(RUNS, args.seeds, TEACHER, run,
                     lambda scores: f'top-1 {scores[0]:.2f}%')
    results = {name: [top1 for top1, _ in r] for name, r in runs.items()}
    curves = {name: [curve for _, curve in r] for name, r in runs.items()}

    print(f'\nTest accuracy on the 597 held-out digits, {args.seeds} seeds '
          f'({time.time() - start:.0f} s in all):')
    print(f'| {"model":<24} | {"top-1 (%)":>15} |')
    print(f'|{"-" * 26}|{"-" * 17}|')
    for name, accs in results.items():
        print(f'| {name:<24} | {mean_std(accs):>15} |')
    plot = osp.join(args.work_dir, 'digits_kd_curves.png')
    plot_curves(curves, plot)
    print(f'\nValidation curves: {plot}')


if __name__ == '__main__':
    main()
