"""Building the networks an algorithm wraps."""
import copy
from typing import Union

import torch.nn as nn

from mmkd.registry import MODELS
from mmkd.utils.config_check import resolve_config_path


def build_network(cfg: Union[dict, nn.Module], role: str) -> nn.Module:
    """Build a student or teacher from a model config, or from the
    ``model`` of a whole config file given as ``dict(cfg_path=...)``
    (``'mmdet::faster_rcnn/faster-rcnn_r50_fpn_2x_coco.py'`` or a path,
    relative paths resolved as ``_base_`` resolves them). A model from a
    file gets that file's top-level ``data_preprocessor`` when its ``model``
    has none (as MMEngine's runner and mmpretrain's ``get_model`` do), so it
    normalises its input as that config trained it.

    A type with a scope prefix (``'mmdet.MaskRCNN'``) builds its whole
    subtree in that scope, so its nested types need no prefix.
    """
    if isinstance(cfg, nn.Module):
        return cfg
    if not isinstance(cfg, dict):
        raise TypeError(f'The {role} must be a model config dict or an '
                        f'nn.Module, got {type(cfg).__name__}.')
    cfg = copy.deepcopy(cfg)
    if 'cfg_path' in cfg:
        from mmengine.config import Config
        path = cfg.pop('cfg_path')
        cfg.pop('pretrained', None)
        try:
            loaded = Config.fromfile(resolve_config_path(path))
        except FileNotFoundError as err:
            raise FileNotFoundError(f'The {role} cfg_path: {err}') from None
        if 'model' not in loaded:
            raise KeyError(f'{path!r} (the {role} cfg_path) has no model.')
        model_cfg = loaded.model
        if loaded.get('data_preprocessor') is not None:
            model_cfg.setdefault('data_preprocessor', loaded.data_preprocessor)
        # the file's own default scope (e.g. mmdet) builds its model
        if loaded.get('default_scope'):
            model_cfg.setdefault('_scope_', loaded.default_scope)
        model_cfg.update(cfg)  # remaining keys override the file's model
        cfg = model_cfg
    model_type = cfg.get('type')
    if isinstance(model_type, str) and '.' in model_type and \
            '_scope_' not in cfg:
        scope, name = model_type.split('.', 1)
        cfg.update(_scope_=scope, type=name)
    try:
        return MODELS.build(cfg)
    except KeyError as err:
        raise KeyError(f'Cannot build the {role} model: {err}') from err
