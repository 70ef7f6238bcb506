"""Base class of mmkd's image classifiers."""
from abc import abstractmethod
from typing import Callable, Dict, List, Optional, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel

from mmkd.models.losses.base import upcast
from mmkd.registry import MODELS
from mmkd.structures import ClsDataSample
from mmkd.utils.checkpoint_loader import safe_checkpoint_loading


class BaseClassifier(BaseModel):
    """An image classifier that is a whole network in one module.

    The network's stages are direct children of the classifier (``layer1``,
    ``layer2``, ... and the final ``linear``), so the same layer names work in
    mmkd configs and in plain PyTorch code that calls ``model(images)``.

    ``forward`` follows MMEngine's three modes:

    - ``'tensor'`` (default): the logits, shape ``(N, num_classes)``;
    - ``'loss'``: ``{'loss_cls': cross-entropy}`` against the data samples'
      ``gt_label``;
    - ``'predict'``: the data samples with ``pred_label`` and ``pred_score``
      (softmax probabilities) set.

    Subclasses implement :meth:`forward_logits`.

    Args:
        num_classes (int): Number of classes.
        label_smoothing (float): Label smoothing of the cross-entropy loss.
            Defaults to 0.0.
        data_preprocessor (dict, optional): Config of the data preprocessor
            (usually ``ImgDataPreprocessor`` with ``mean`` and ``std``).
            Defaults to None, which keeps images as they come.
        init_cfg (dict, optional): Initialization config. Defaults to None.
    """

    def __init__(self,
                 num_classes: int,
                 label_smoothing: float = 0.0,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if not isinstance(num_classes, int) or num_classes < 1:
            raise ValueError(
                f'num_classes must be a positive int, got {num_classes!r}.')
        self.num_classes = num_classes
        self.label_smoothing = label_smoothing

    def init_weights(self) -> None:
        """MMEngine's ``init_weights``, with a ``Pretrained`` ``init_cfg``
        read through mmkd's safe loaders (MMEngine's are back afterwards)."""
        with safe_checkpoint_loading():
            super().init_weights()

    @abstractmethod
    def forward_logits(self, inputs: torch.Tensor) -> torch.Tensor:
        """Compute the logits of a batch of images."""

    def forward(
        self,
        inputs: torch.Tensor,
        data_samples: Optional[List[ClsDataSample]] = None,
        mode: str = 'tensor'
    ) -> Union[torch.Tensor, Dict[str, torch.Tensor], List[ClsDataSample]]:
        if mode == 'tensor':
            return self.forward_logits(inputs)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}": mmkd classifiers support '
                           '"tensor", "loss" and "predict".')

    def loss(self, inputs: torch.Tensor,
             data_samples: List[ClsDataSample]) -> Dict[str, torch.Tensor]:
        """Cross-entropy of the logits against ``gt_label``."""
        if not data_samples:
            raise ValueError('mode="loss" needs data samples with gt_label.')
        logits = self.forward_logits(inputs)
        labels = torch.cat([s.gt_label
                            for s in data_samples]).to(logits.device)
        loss = F.cross_entropy(
            upcast(logits), labels, label_smoothing=self.label_smoothing)
        return dict(loss_cls=loss)

    def predict(
        self,
        inputs: torch.Tensor,
        data_samples: Optional[List[ClsDataSample]] = None
    ) -> List[ClsDataSample]:
        """Class probabilities and predicted labels for each image."""
        logits = self.forward_logits(inputs)
        return self.logits_to_samples(logits, data_samples)

    @staticmethod
    def logits_to_samples(
        logits: torch.Tensor,
        data_samples: Optional[List[ClsDataSample]] = None
    ) -> List[ClsDataSample]:
        """Write softmax scores and argmax labels into data samples."""
        scores = F.softmax(upcast(logits.detach()), dim=1)
        labels = scores.argmax(dim=1)
        if data_samples is None:
            data_samples = [ClsDataSample() for _ in range(logits.size(0))]
        for sample, score, label in zip(data_samples, scores, labels):
            sample.set_pred_score(score).set_pred_label(label)
        return data_samples


def register_constructor(name: str, cls: type, description: str,
                         *args) -> Callable[..., BaseClassifier]:
    """Register ``name`` as a constructor of ``cls(*args, num_classes)``.

    Configs then build a size by name, e.g. ``dict(type='resnet20',
    num_classes=100)``; other keyword arguments go to ``cls``.

    Args:
        name (str): Registered name, also the function's name.
        cls (type): The classifier class.
        description (str): One line for the docstring.
        *args: Leading positional arguments of ``cls`` (depth, widths...).
    """

    def constructor(num_classes: int = 100, **kwargs) -> BaseClassifier:
        return cls(*args, num_classes, **kwargs)

    constructor.__name__ = constructor.__qualname__ = name
    constructor.__doc__ = (
        f'{description}\n\n    Args:\n        num_classes (int): Number of '
        f'classes. Defaults to 100.\n        **kwargs: Other arguments of '
        f':class:`{cls.__name__}`.\n')
    MODELS.register_module(name=name, module=constructor)
    return constructor
