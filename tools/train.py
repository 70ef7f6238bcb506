"""Train a model (a plain model or a distillation algorithm) from a config.

Examples:
    python tools/train.py configs/baselines/resnet20_cifar100.py
    python tools/train.py configs/kd/vid_r20.py --work-dir work_dirs/vid --amp
    python tools/train.py CONFIG --resume             # latest checkpoint
    python tools/train.py CONFIG --resume PATH.pth    # a given checkpoint
    bash tools/dist_train.sh CONFIG 8                 # 8 processes
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmkd.utils.cli import (add_common_arguments, apply_common_args,  # noqa: E402,E501
                            build_runner, load_config, run_cli)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a model with mmkd')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='enable automatic mixed precision training (float16 with loss '
        'scaling on GPU, bfloat16 autocast on CPU)')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate with the total batch size, relative '
        'to auto_scale_lr.base_batch_size of the config')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint; without a path, resume from '
        'the latest checkpoint in the work dir')
    add_common_arguments(parser)
    return parser.parse_args()


def apply_args(cfg, args):
    """Fold the command-line flags into the config."""
    cfg = apply_common_args(cfg, args, args.config)

    if args.amp:
        import torch
        wrapper = cfg.optim_wrapper
        if wrapper.get('type', 'OptimWrapper') in ('AmpOptimWrapper',
                                                   'CPUAmpOptimWrapper'):
            print('AMP is already enabled in the config.')
        elif torch.cuda.is_available():
            wrapper.type = 'AmpOptimWrapper'
            wrapper.loss_scale = 'dynamic'
        else:
            wrapper.type = 'CPUAmpOptimWrapper'
            wrapper.dtype = 'bfloat16'

    if args.auto_scale_lr:
        if 'base_batch_size' not in cfg.get('auto_scale_lr', {}):
            raise KeyError(
                '--auto-scale-lr needs auto_scale_lr.base_batch_size in the '
                'config (the total batch size its learning rate is for).')
        cfg.auto_scale_lr.enable = True

    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise FileNotFoundError(
                f'--resume checkpoint "{args.resume}" does not exist.')
        cfg.resume = True
        cfg.load_from = args.resume
    return cfg


def main():
    args = parse_args()

    runner = build_runner(apply_args(load_config(args.config), args))
    runner.train()


if __name__ == '__main__':
    run_cli(main, 'tools/train.py')
