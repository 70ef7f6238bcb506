"""Evaluate a checkpoint on the test set of a config.

Examples:
    python tools/test.py configs/baselines/resnet20_cifar100.py epoch_240.pth
    python tools/test.py CONFIG CKPT --out results.pkl
    bash tools/dist_test.sh CONFIG CKPT 8
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmkd.utils.cli import (add_common_arguments, apply_common_args,  # noqa: E402,E501
                            build_runner, load_config, run_cli)


def parse_args():
    parser = argparse.ArgumentParser(
        description='Test (and evaluate) a checkpoint with mmkd')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir',
        help='the directory to save the file containing evaluation metrics')
    parser.add_argument(
        '--out',
        type=str,
        help='dump the predictions to a pickle file (.pkl) for offline '
        'evaluation')
    parser.add_argument(
        '--show-dir',
        help='directory where painted predictions are saved; needs a '
        'visualization hook in default_hooks (mmdet and mmseg configs have '
        'one)')
    add_common_arguments(parser)
    return parser.parse_args()


def apply_args(cfg, args):
    """Fold the command-line flags into the config."""
    cfg = apply_common_args(cfg, args, args.config)
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(
            f'Checkpoint "{args.checkpoint}" does not exist.')
    cfg.load_from = args.checkpoint
    cfg.resume = False

    if args.show_dir:
        hooks = cfg.get('default_hooks', {})
        if 'visualization' not in hooks:
            raise KeyError(
                '--show-dir needs a "visualization" hook in default_hooks '
                '(as mmdet and mmseg configs have); this config has none.')
        hooks.visualization.draw = True
        hooks.visualization.test_out_dir = args.show_dir

    if args.out is not None:
        if not args.out.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--out must be a .pkl file, got "{args.out}".')
        dump = dict(type='DumpResults', out_file_path=args.out)
        evaluator = cfg.test_evaluator
        if isinstance(evaluator, (list, tuple)):
            cfg.test_evaluator = [*evaluator, dump]
        elif 'metrics' in evaluator:
            metrics = evaluator.metrics
            if not isinstance(metrics, (list, tuple)):
                metrics = [metrics]
            evaluator.metrics = [*metrics, dump]
        else:
            cfg.test_evaluator = [evaluator, dump]
    return cfg


def main():
    args = parse_args()

    runner = build_runner(apply_args(load_config(args.config), args))
    runner.test()


if __name__ == '__main__':
    run_cli(main, 'tools/test.py')
