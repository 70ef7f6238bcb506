"""Shared pieces of mmkd's command-line tools."""
import inspect
import os
import os.path as osp
import pickle
import sys
import traceback
from typing import Callable

from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmkd.utils.checkpoint import UnsafeCheckpointError
from mmkd.utils.checkpoint_loader import install_safe_checkpoint_loader
from mmkd.utils.config_check import (check_top_level_keys,
                                     register_config_scope,
                                     resolve_config_path)
from mmkd.utils.dependency import check_task_dependencies
from mmkd.utils.errors import (CheckpointError, NonFiniteLossError,
                               RecipeMismatchError)
from mmkd.utils.setup_env import setup_distributed, teardown_distributed
from .run_setup import check_overrides, check_train_loop, resolve_cfg_paths

# mistakes in the config or the files it names: reported in one paragraph
# when they happen while the run is set up (a RuntimeError while training is
# a real runtime error, e.g. out of memory, and keeps its traceback)
USER_ERRORS = (FileNotFoundError, KeyError, TypeError, ValueError,
               ImportError, pickle.UnpicklingError, RuntimeError,
               PermissionError)


class Phase:
    """Which part of a tool runs: set-up (config, models, files) or the
    run itself (training, testing)."""

    def __init__(self) -> None:
        self.running = False

    def start(self) -> None:
        """Set-up is over: errors from now on are runtime errors."""
        self.running = True


def _always_short() -> tuple:
    """Errors whose message is the story even during the run."""
    # a missing file is a path in the config, even when it is opened late
    return (NonFiniteLossError, UnsafeCheckpointError, CheckpointError,
            FileNotFoundError, RecipeMismatchError)


def load_config(path: str) -> Config:
    """Load a config file (a path, or ``mmdet::``/``mmseg::``/``mmkd::``
    followed by a path inside that package's configs), with a clear
    message if it is not there."""
    register_config_scope()  # _base_ = 'mmkd::...' also from a checkout
    if '::' in path:
        return Config.fromfile(resolve_config_path(path))
    if not osp.isfile(path):
        raise FileNotFoundError(f'Config file "{path}" does not exist.')
    return Config.fromfile(path)


def run_cli(main: Callable[[Phase], None], tool: str) -> None:
    """Run ``main(phase)``; report configuration mistakes in one clear
    paragraph.

    Errors raised while the tool sets up (before ``phase.start()``) in
    :data:`USER_ERRORS`, and checkpoint and non-finite-loss errors at any
    time, are reported without the traceback's middle; every other error
    keeps its full traceback. ``MMKD_TRACEBACK=1`` always shows it.

    Args:
        main (Callable): The tool's main function; it calls
            ``phase.start()`` when set-up is over.
        tool (str): The tool's name, used as the message prefix.
    """
    phase = Phase()
    try:
        if 'phase' in inspect.signature(main).parameters:
            main(phase=phase)
        else:  # a tool without a run phase: all of it is set-up
            main()
        teardown_distributed()
    except (USER_ERRORS + _always_short()) as err:
        # ``setup_error``: raised during the run, but a set-up mistake
        # (e.g. a teacher cache that does not match, found at first use)
        short = isinstance(err, _always_short()) or not phase.running or \
            getattr(err, 'setup_error', False) is True
        if not short or os.environ.get('MMKD_TRACEBACK') == '1':
            raise
        traceback.print_exc(limit=-3, file=sys.stderr)
        print(f'\n{tool}: error: {type(err).__name__}: {err}\n'
              '(set MMKD_TRACEBACK=1 for the full traceback)',
              file=sys.stderr)
        sys.exit(1)


def add_common_arguments(parser) -> None:
    """``--cfg-options``, ``--launcher`` and ``--local-rank``."""
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value pairs such as '
        'train_cfg.max_epochs=10')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch.distributed.launch passes --local-rank; torchrun sets LOCAL_RANK
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def apply_common_args(cfg: Config, args, config_path: str) -> Config:
    """Merge ``--cfg-options``, check keys, set launcher and work dir."""
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    if args.cfg_options is not None:
        check_overrides(cfg, args.cfg_options)
        cfg.merge_from_dict(args.cfg_options)
    if '::' not in config_path:
        resolve_cfg_paths(cfg, config_path)
    check_top_level_keys(cfg)
    check_train_loop(cfg)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(config_path))[0])
    return cfg


def build_runner(cfg: Config):
    """Set up distributed running for this machine, switch safe checkpoint
    loading on, check the dependencies of the config's task and build the
    runner."""

    install_safe_checkpoint_loader()
    if cfg.get('default_scope'):
        check_task_dependencies(cfg.default_scope)
    setup_distributed(cfg, cfg.launcher)
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)
