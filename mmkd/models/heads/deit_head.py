"""The head that trains DeiT's distillation token (Touvron et al., 2021)."""
import torch.nn as nn
from mmengine.registry import DefaultScope

from mmkd.registry import MODELS


@MODELS.register_module()
def DeiTDistillHead(**kwargs) -> nn.Module:  # noqa: N802 (a registered type)
    """Build mmpretrain's DeiT head trained as DeiT trains it
    (:class:`~mmkd.models.heads.mmpretrain_deit_head.DeiTDistillClsHead`):
    the label loss on the class token's logits, the distillation token's
    logits (``head.layers.head_dist``) left for a distill loss
    (``DeiTLoss``) against the teacher, and the average of both logits at
    test time.

    Its nested types (``loss=dict(type='LabelSmoothLoss', ...)``) are
    mmpretrain's. Needs mmpretrain (``pip install '.[cls]'``), imported
    here rather than with mmkd.

    Args:
        **kwargs: mmpretrain's ``DeiTClsHead`` arguments (``num_classes``,
            ``in_channels``, ``loss``, ``hidden_dim``, ``init_cfg``, ...).

    Returns:
        nn.Module: The head.
    """
    try:
        from .mmpretrain_deit_head import DeiTDistillClsHead
    except ImportError as err:
        raise ImportError(
            f'DeiTDistillHead needs mmpretrain ({err}); install the cls '
            "extra: pip install '.[cls]'.") from None
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return DeiTDistillClsHead(**kwargs)
