"""A torchvision classification network as an mmkd student or teacher."""
from collections import OrderedDict
from typing import Optional

import torch
import torch.nn as nn

from mmkd.registry import MODELS
from .base import BaseClassifier

# torchvision's ImageNet recipes: RGB images scaled to [0, 1], then
# normalised with these statistics (written here on the 0-255 scale that
# OpenMMLab's loaders produce, BGR converted to RGB first)
IMAGENET_RGB = dict(
    type='ImgDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True)


@MODELS.register_module()
class TorchvisionClassifier(BaseClassifier):
    """``torchvision.models.get_model(model_name, ...)`` behind mmkd's
    classifier modes (``tensor``, ``loss``: cross-entropy as
    ``loss_cls``, ``predict``).

    The network is ``self.model``, so distiller layer names read
    ``model.layer4``, ``model.fc`` (``tools/analysis_tools/distill_layers.py``
    lists them). Its state dict has torchvision's own keys (no ``model.``
    prefix): a file written by ``torch.save(net.state_dict())`` loads as
    ``teacher_ckpt`` and an exported student loads into torchvision's model.

    Args:
        model_name (str): A torchvision classification model, e.g.
            ``'resnet50'``.
        num_classes (int): Number of classes.
        weights (str, optional): torchvision's weights name (downloads
            them); prefer a local file as ``teacher_ckpt``. Defaults to None
            (random initialisation).
        data_preprocessor (dict, optional): Defaults to torchvision's
            ImageNet normalisation on RGB (``IMAGENET_RGB``), so a teacher
            trained by torchvision's recipes sees its inputs as it was
            trained, whatever the student's normalisation.
        **kwargs: ``label_smoothing``, ``init_cfg`` of
            :class:`BaseClassifier`, then torchvision's model arguments
            under ``model_kwargs``.
    """

    def __init__(self,
                 model_name: str,
                 num_classes: int,
                 weights: Optional[str] = None,
                 data_preprocessor: Optional[dict] = None,
                 model_kwargs: Optional[dict] = None,
                 **kwargs) -> None:
        super().__init__(
            num_classes=num_classes,
            data_preprocessor=dict(IMAGENET_RGB)
            if data_preprocessor is None else data_preprocessor,
            **kwargs)
        import torchvision
        if model_name not in torchvision.models.list_models(
                torchvision.models):
            raise ValueError(
                f'{model_name!r} is not a torchvision classification model '
                '(torchvision.models.list_models(torchvision.models)).')
        self.model = torchvision.models.get_model(
            model_name,
            weights=weights,
            num_classes=num_classes,
            **(model_kwargs or {}))
        self._register_state_dict_hook(_drop_prefix)
        self._register_load_state_dict_pre_hook(_add_prefix)

    def forward_logits(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.model(inputs)


def _drop_prefix(module: nn.Module, state: OrderedDict, prefix: str,
                 local_metadata) -> OrderedDict:
    own = prefix + 'model.'
    renamed = OrderedDict()
    for key, value in state.items():
        renamed[prefix + key[len(own):] if key.startswith(own) else key] = \
            value
    return renamed


def _add_prefix(state: dict, prefix: str, local_metadata, strict, missing_keys,
                unexpected_keys, error_msgs) -> None:
    for key in [k for k in state if k.startswith(prefix)]:
        rest = key[len(prefix):]
        if not rest.startswith(('model.', 'data_preprocessor.')):
            state[prefix + 'model.' + rest] = state.pop(key)
