from .checkpoint import (UnsafeCheckpointError, add_safe_globals,
                         install_safe_checkpoint_loader, safe_load)
from .config_check import ConfigKeyError, check_top_level_keys
from .dependency import DependencyError, check_dependencies
from .setup_env import (register_all_modules, setup_distributed,
                        teardown_distributed)

__all__ = [
    'UnsafeCheckpointError', 'add_safe_globals',
    'install_safe_checkpoint_loader', 'safe_load', 'ConfigKeyError',
    'check_top_level_keys', 'DependencyError', 'check_dependencies',
    'register_all_modules', 'setup_distributed', 'teardown_distributed'
]
