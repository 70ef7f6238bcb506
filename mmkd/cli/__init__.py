"""The command-line plumbing shared by mmkd's tools (above the library's
layers: it may import any of them, and none of them imports it)."""
from .cli import (Phase, add_common_arguments, apply_common_args, build_runner,
                  load_config, merge_cfg_options, read_config, run_cli)
from .run_setup import (add_run_safety, check_overrides, check_train_loop,
                        check_work_dir, resolve_cfg_paths,
                        strict_checkpoint_loading, usable_checkpoint)

__all__ = [
    'Phase', 'add_common_arguments', 'apply_common_args', 'build_runner',
    'load_config', 'merge_cfg_options', 'read_config', 'run_cli',
    'add_run_safety', 'check_overrides', 'check_train_loop', 'check_work_dir',
    'resolve_cfg_paths', 'strict_checkpoint_loading', 'usable_checkpoint'
]
