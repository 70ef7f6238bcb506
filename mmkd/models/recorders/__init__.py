from .attachments import add_forward_hook, patch_attribute, restore_attribute
from .base import (BaseRecorder, LayerNotFoundError, list_layer_names,
                   resolve_module, unwrap_model)
from .function_recorders import FunctionOutputs, MethodOutputs
from .module_recorders import ModuleInputs, ModuleOutputs
from .recorder_manager import RecorderManager

__all__ = [
    'add_forward_hook', 'patch_attribute', 'restore_attribute', 'BaseRecorder',
    'LayerNotFoundError', 'list_layer_names', 'resolve_module', 'unwrap_model',
    'FunctionOutputs', 'MethodOutputs', 'ModuleInputs', 'ModuleOutputs',
    'RecorderManager'
]
