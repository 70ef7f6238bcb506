from .cpu_amp_optim_wrapper import CPUAmpOptimWrapper
from .per_module_optim import PerModuleOptimWrapperConstructor

__all__ = ['CPUAmpOptimWrapper', 'PerModuleOptimWrapperConstructor']
