"""Train a model (a plain model or a distillation algorithm) from a config.

Examples:
    python tools/train.py configs/baselines/resnet20_cifar100.py
    python tools/train.py configs/kd/vid_r20.py --work-dir work_dirs/vid \\
        --amp
    python tools/train.py CONFIG --resume           # newest intact checkpoint
    python tools/train.py CONFIG --resume PATH.pth    # a given checkpoint
    bash tools/dist_train.sh CONFIG 8                 # 8 processes
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from mmkd.tool_env import prepare_tool  # noqa: E402

prepare_tool('tools/train.py')  # the user's cwd; a Python without torch

from mmkd.cli import apply_common_args  # noqa: E402,E501
from mmkd.cli import add_common_arguments, build_runner, read_config, run_cli
from mmkd.cli.run_setup import check_work_dir  # noqa: E402,E501
from mmkd.cli.run_setup import (add_run_safety, strict_checkpoint_loading,
                                usable_checkpoint)
from mmkd.engine.hooks.recipe_layout import \
    apply_total_batch_size  # noqa: E402
from mmkd.engine.resume import find_resumable_checkpoint  # noqa: E402


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


def enable_amp(wrapper) -> None:
    """Mixed precision for an optim wrapper config, or for each wrapper of
    a per-module dict (``OptimWrapperDict``, e.g. a GAN-style algorithm)."""
    import torch
    parts = [wrapper] if 'optimizer' in wrapper else [
        value for value in wrapper.values()
        if isinstance(value, dict) and 'optimizer' in value
    ]
    for part in parts:
        if part.get('type', 'OptimWrapper') in ('AmpOptimWrapper',
                                                'CPUAmpOptimWrapper',
                                                'mmkd.CPUAmpOptimWrapper'):
            print('AMP is already enabled in the config.')
        elif torch.cuda.is_available():
            part.type = 'AmpOptimWrapper'
            part.loss_scale = 'dynamic'
        else:
            # scoped: mmdet/mmseg configs build in their own scope
            part.type = 'mmkd.CPUAmpOptimWrapper'
            part.dtype = 'bfloat16'


def apply_args(cfg, args):
    """Fold the command-line flags into the config."""
    cfg = apply_common_args(cfg, args, args.config)

    if args.amp:
        enable_amp(cfg.optim_wrapper)

    if args.auto_scale_lr:
        if 'base_batch_size' not in cfg.get('auto_scale_lr', {}):
            raise KeyError(
                '--auto-scale-lr needs auto_scale_lr.base_batch_size in the '
                'config (the total batch size its learning rate is for).')
        cfg.auto_scale_lr.enable = True

    if args.resume == 'auto':
        path, _ = find_resumable_checkpoint(cfg.work_dir)
        cfg.resume = path is not None
        cfg.load_from = path
        if path is None:
            print(f'Nothing to resume in {cfg.work_dir}: training starts '
                  'from the beginning.')
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = usable_checkpoint(args.resume, '--resume checkpoint')
    elif cfg.get('load_from'):
        usable_checkpoint(cfg.load_from, 'load_from')
    check_work_dir(cfg.work_dir)
    add_run_safety(cfg)
    # a declared recipe.total_batch_size is split over the processes, so
    # dist_train.sh CONFIG 8 trains the config's recipe (RecipeHook logs it)
    apply_total_batch_size(cfg)
    return cfg


def main(phase):
    args = parse_args()
    cfg = apply_args(read_config(args.config, args.cfg_options), args)
    runner = build_runner(cfg)
    strict_checkpoint_loading(runner, cfg)
    phase.start_with(runner)  # errors of before_train hooks: set-up errors
    runner.train()


if __name__ == '__main__':
    run_cli(main, 'tools/train.py')
