"""Build the teacher output cache of a teacher-cache config ahead of
training: K augmentation draws of every training image through the teacher
(model.teacher + model.teacher_ckpt), top-k logits kept.

Examples:
    python tools/build_teacher_cache.py \\
        configs/kd/cached_kd/cached_kd_resnet56_resnet20.py \\
        --draws 10 --topk 10 --cfg-options model.teacher_ckpt=teacher.pth
    # one shard per rank (gloo on CPU, NCCL devices on GPU):
    torchrun --nproc_per_node 4 tools/build_teacher_cache.py CONFIG \\
        --launcher pytorch

An up-to-date cache in the output folder is kept (--force rebuilds it); a
stale one (other teacher weights, pipeline, data set or settings) is
rebuilt. See docs/teacher_cache.md.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmkd.cli import read_config  # noqa: E402
from mmkd.cli import add_common_arguments, run_cli


def parse_args():
    parser = argparse.ArgumentParser(
        description='Build the teacher output cache of a config')
    parser.add_argument('config', help='teacher-cache training config')
    parser.add_argument(
        '--out',
        help='cache folder (default: the cache_dir of the '
        "config's TeacherCacheReplay step)")
    parser.add_argument(
        '--draws',
        type=int,
        default=10,
        help='augmentation draws stored per image (K)')
    parser.add_argument(
        '--topk',
        type=int,
        default=10,
        help='teacher logits kept per draw (at most the number of classes)')
    parser.add_argument(
        '--tau',
        type=float,
        default=None,
        help='temperature of the stored mass outside the top k (default: '
        "the config's CachedKDLoss tau)")
    parser.add_argument(
        '--batch-size',
        type=int,
        default=None,
        help='teacher batch size (default: the training batch size)')
    parser.add_argument(
        '--workers', type=int, default=0, help='data loading processes')
    parser.add_argument(
        '--seed', type=int, default=0, help='seed of the augmentation draws')
    parser.add_argument(
        '--value-dtype',
        choices=['float16', 'float32'],
        default='float16',
        help='dtype of the stored logits')
    parser.add_argument(
        '--force',
        action='store_true',
        help='rebuild even if the cache is up to date')
    add_common_arguments(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    import os

    from mmengine.registry import init_default_scope

    from mmkd.datasets.teacher_cache import build_teacher_cache
    from mmkd.utils import (check_top_level_keys,
                            install_safe_checkpoint_loader,
                            register_all_modules, setup_distributed)
    from mmkd.utils.config_check import ConfigKeyError

    # as every tool reads it: cfg_path, mmkd:: paths, and options that
    # would be ignored (e.g. teacher_ckpt=..., which the config already put
    # into model.teacher_ckpt) refused
    cfg = read_config(args.config, args.cfg_options)
    if args.cfg_options is not None:
        given = args.cfg_options.get('teacher_ckpt')
        if 'teacher_ckpt' in args.cfg_options and \
                cfg.model.get('teacher_ckpt') != given:
            raise ConfigKeyError(
                f'--cfg-options teacher_ckpt={given!r} sets a top-level '
                'variable that the cache is not built from: the teacher is '
                f'model.teacher_ckpt. Set model.teacher_ckpt={given!r} '
                'instead.')
    check_top_level_keys(cfg)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    install_safe_checkpoint_loader()
    register_all_modules(init_default_scope=False)
    init_default_scope(cfg.get('default_scope', 'mmkd'))
    setup_distributed(cfg, args.launcher)  # gloo on CPU
    import torch.distributed as torch_dist
    if args.launcher != 'none' and not torch_dist.is_initialized():
        from mmengine.dist import init_dist  # GPUs: as MMEngine's runner
        init_dist(args.launcher, **cfg.env_cfg.get('dist_cfg', {}))
    build_teacher_cache(
        cfg,
        out_dir=args.out,
        draws=args.draws,
        topk=args.topk,
        tau=args.tau,
        batch_size=args.batch_size,
        workers=args.workers,
        seed=args.seed,
        value_dtype=args.value_dtype,
        force=args.force,
        config_path=args.config,
        cfg_options=args.cfg_options,
        log=lambda line: print(line, flush=True))


if __name__ == '__main__':
    run_cli(main, 'tools/build_teacher_cache.py')
