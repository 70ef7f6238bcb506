"""mmkd's main demo on the 8x8 handwritten digits bundled with scikit-learn.

Trains the demo's teacher (a 64-channel, 5-conv CNN) and its student (an
8-channel, 2-conv CNN) alone, from their configs in ``configs/digits/``, for
several seeds, and prints their test accuracy (mean and spread over seeds).
Everything runs offline on the CPU in a few minutes.

    python demo/digits_demo.py [--seeds 3] [--work-dir work_dirs/digits_demo]
"""
import argparse
import os.path as osp
import statistics
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import mmkd  # noqa: E402,F401
from mmengine.config import Config  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

CONFIG_DIR = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                      'configs', 'digits')
RUNS = (
    ('teacher (cnn64x5)', 'cnn64x5_digits.py'),
    ('student alone (cnn8x2)', 'cnn8x2_digits.py'),
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--seeds', type=int, default=3, help='number of seeds per model')
    parser.add_argument(
        '--epochs', type=int, default=None, help='override the epochs')
    parser.add_argument('--work-dir', default='work_dirs/digits_demo')
    return parser.parse_args()


def train_and_test(config: str, work_dir: str, seed: int,
                   epochs: int = None) -> float:
    """Train one config with one seed; return its test top-1 accuracy."""
    cfg = Config.fromfile(osp.join(CONFIG_DIR, config))
    cfg.work_dir = work_dir
    cfg.experiment_name = f'{osp.splitext(config)[0]}_seed{seed}'
    cfg.randomness = dict(seed=seed, deterministic=False)
    cfg.log_level = 'WARNING'
    if epochs is not None:
        cfg.train_cfg.max_epochs = epochs
        cfg.param_scheduler.T_max = epochs
    # keep only the final checkpoint: it is the teacher later runs load
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', interval=cfg.train_cfg.max_epochs)
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner.test()['accuracy/top1']


def main():
    args = parse_args()
    results = {}
    total = len(RUNS) * args.seeds
    done = 0
    start = time.time()
    for name, config in RUNS:
        results[name] = []
        for seed in range(args.seeds):
            done += 1
            tic = time.time()
            work_dir = osp.join(args.work_dir,
                                f'{osp.splitext(config)[0]}_seed{seed}')
            acc = train_and_test(config, work_dir, seed, args.epochs)
            results[name].append(acc)
            print(f'[{done}/{total}] {name}, seed {seed}: top-1 {acc:.2f}% '
                  f'({time.time() - tic:.0f} s)', flush=True)

    print(f'\nTest accuracy on the 597 held-out digits, {args.seeds} seeds '
          f'({time.time() - start:.0f} s in all):')
    print(f'| {"model":<24} | {"top-1 (%)":>15} |')
    print(f'|{"-" * 26}|{"-" * 17}|')
    for name, accs in results.items():
        spread = statistics.stdev(accs) if len(accs) > 1 else 0.0
        print(f'| {name:<24} | {statistics.mean(accs):6.2f} +- {spread:4.2f} |')


if __name__ == '__main__':
    main()
