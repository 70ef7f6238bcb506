from .checkpoint import UnsafeCheckpointError, add_safe_globals, safe_load
from .checkpoint_loader import (install_safe_checkpoint_loader,
                                load_checkpoint_safely,
                                safe_checkpoint_loading)
from .config_check import (ConfigKeyError, check_top_level_keys,
                           register_config_scope)
from .dependency import DependencyError, check_task_dependencies
from .setup_env import (register_all_modules, setup_distributed,
                        teardown_distributed)

__all__ = [
    'UnsafeCheckpointError', 'add_safe_globals', 'safe_load',
    'install_safe_checkpoint_loader', 'load_checkpoint_safely',
    'safe_checkpoint_loading', 'ConfigKeyError', 'check_top_level_keys',
    'register_config_scope', 'DependencyError', 'check_task_dependencies',
    'register_all_modules', 'setup_distributed', 'teardown_distributed'
]
