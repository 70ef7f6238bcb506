"""Shared pieces of mmkd's command-line tools."""
import inspect
import logging
import os
import os.path as osp
import pickle
import sys
import time
from typing import Callable, Optional

from mmengine.config import Config, DictAction
from mmengine.hooks import Hook
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
from .torchrun import REPORTED_EXIT

# mistakes in the config or the files it names: reported in one paragraph
# when they happen while the run is set up (a RuntimeError while training is
# a real runtime error, e.g. out of memory, and keeps its traceback)
USER_ERRORS = (FileNotFoundError, KeyError, TypeError, ValueError, ImportError,
               pickle.UnpicklingError, RuntimeError, PermissionError)


class Phase:
    """Which part of a tool runs: set-up (config, models, files, the
    checks hooks make before the first iteration) or the run itself
    (training, testing)."""

    def __init__(self) -> None:
        self.running = False

    def start(self) -> None:
        """Set-up is over: errors from now on are runtime errors."""
        self.running = True

    def start_with(self, runner) -> None:
        """Set-up ends when ``runner`` has run every hook's
        ``before_train`` / ``before_val`` / ``before_test`` (the checks of
        the recipe, the teacher, the data): an error there is a set-up
        error too."""
        runner.register_hook(_PhaseHook(self), priority='LOWEST')


class _PhaseHook(Hook):
    """Marks the run's start after every other ``before_*`` hook."""

    def __init__(self, phase: Phase) -> None:
        self.phase = phase

    def before_train(self, runner) -> None:
        self.phase.start()

    before_val = before_test = before_train


def _always_short() -> tuple:
    """Errors whose message is the story even during the run."""
    # a missing file is a path in the config, even when it is opened late
    return (NonFiniteLossError, UnsafeCheckpointError, CheckpointError,
            FileNotFoundError, RecipeMismatchError)


def load_config(path: str) -> Config:
    """Load a config file (a path, or ``mmdet::``/``mmseg::``/``mmkd::``
    followed by a path inside that package's configs), with a clear
    message if it is not there. :func:`read_config` also resolves its
    ``cfg_path`` entries and merges ``--cfg-options``."""
    register_config_scope()  # _base_ = 'mmkd::...' also from a checkout
    if '::' in path:
        return Config.fromfile(resolve_config_path(path))
    if not osp.isfile(path):
        raise FileNotFoundError(f'Config file "{path}" does not exist.')
    return Config.fromfile(path)


def read_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a config as every mmkd tool reads it (training, testing, the
    layer finder, the benchmarks, the teacher cache builder).

    - ``path``: a file, or ``mmkd::``/``mmdet::``/``mmseg::`` followed by
      a path inside that package's configs;
    - a relative ``cfg_path`` (a student or teacher given by its config
      file) is read from the config file that names it, as ``_base_`` is;
    - ``cfg_options`` (``--cfg-options``) are merged; one that changes a
      top-level variable the config already used is refused (the change
      would be ignored), and a relative ``cfg_path`` among them is read
      from the working directory.

    Args:
        path (str): The config.
        cfg_options (dict, optional): ``--cfg-options`` as MMEngine's
            ``DictAction`` parses them. Defaults to None.

    Returns:
        Config: The config, ready for the tool.

    Raises:
        FileNotFoundError: The config, or a ``cfg_path`` it names, does not
            exist.
        ConfigKeyError: An option would be ignored.
    """
    cfg = load_config(path)
    resolve_cfg_paths(cfg, cfg.filename)
    merge_cfg_options(cfg, cfg_options)
    return cfg


def merge_cfg_options(cfg: Config, cfg_options: Optional[dict]) -> None:
    """Merge ``--cfg-options`` into ``cfg`` as :func:`read_config` does
    (for a tool that makes part of its config itself first)."""
    if not cfg_options:
        return
    options = dict(cfg_options)
    for key, value in options.items():
        if key.split('.')[-1] != 'cfg_path' or not isinstance(
                value, str) or '::' in value or osp.isabs(value):
            continue
        if not osp.isfile(value):
            raise FileNotFoundError(
                f'--cfg-options {key}={value!r}: no such file (a cfg_path '
                'given on the command line is read from the working '
                'directory).')
        options[key] = osp.abspath(value)
    check_overrides(cfg, options)
    cfg.merge_from_dict(options)


def launch_rank() -> int:
    """This process's rank as its launcher set it (torchrun, slurm, MPI),
    before any process group exists; 0 for a single process."""
    for name in ('RANK', 'SLURM_PROCID', 'OMPI_COMM_WORLD_RANK'):
        if os.environ.get(name, '').isdigit():
            return int(os.environ[name])
    return 0


def _launched_processes() -> int:
    for name in ('WORLD_SIZE', 'SLURM_NTASKS', 'OMPI_COMM_WORLD_SIZE'):
        if os.environ.get(name, '').isdigit():
            return int(os.environ[name])
    return 1


# how long a rank other than 0 waits for rank 0 to report the same error
# (and the launcher to stop it) before it reports its own
OTHER_RANKS_WAIT_S = 5.0


def report_and_exit(tool: str, err: BaseException) -> None:
    """Say ``err`` in one short paragraph, once, and end the process.

    A single process exits with status 1. Under a launcher, rank 0 says it
    and ends at once with status :data:`~mmkd.cli.torchrun.REPORTED_EXIT`
    (which mmkd's launcher scripts recognise: no failure dump); another
    rank first gives rank 0 :data:`OTHER_RANKS_WAIT_S` seconds (the
    launcher stops it meanwhile when rank 0 had the same error), then says
    its own, naming its rank. The process ends without running
    interpreter-exit clean-up (``os._exit`` after flushing logs and
    streams): a process group left behind by the failed set-up would
    otherwise abort in its destructor (SIGABRT).
    """
    processes = _launched_processes()
    rank = launch_rank()
    if processes > 1 and rank != 0:
        time.sleep(OTHER_RANKS_WAIT_S)
    where = f' (rank {rank})' if processes > 1 and rank != 0 else ''
    print(
        f'{tool}: error{where}: {type(err).__name__}: {err}\n'
        '(set MMKD_TRACEBACK=1 for the full traceback)',
        file=sys.stderr)
    if processes == 1:
        sys.exit(1)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(REPORTED_EXIT)


def run_cli(main: Callable[[Phase], None], tool: str) -> None:
    """Run ``main(phase)``; report configuration mistakes in one clear
    paragraph.

    Errors raised while the tool sets up (before the run phase starts:
    ``phase.start()`` or, with ``phase.start_with(runner)``, after the
    hooks' ``before_train``) in :data:`USER_ERRORS`, and checkpoint,
    recipe and non-finite-loss errors at any time, are reported in one
    short paragraph, once (:func:`report_and_exit`); every other error
    keeps its full traceback. ``MMKD_TRACEBACK=1`` always shows it.

    Args:
        main (Callable): The tool's main function; it starts the run phase
            when set-up is over.
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
        report_and_exit(tool, err)


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
    """Check keys, set launcher and work dir of a config that
    :func:`read_config` read (with ``args.cfg_options``)."""
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
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
