"""DeiT's two heads on mmpretrain's distilled vision transformer, trained as
DeiT trains them (imported only when the head is built: mmpretrain is the
``cls`` extra)."""
from typing import List, Tuple

import torch
from mmpretrain.models.heads import DeiTClsHead


class DeiTDistillClsHead(DeiTClsHead):
    """mmpretrain's :class:`DeiTClsHead` with DeiT's training split.

    mmpretrain's head averages the class-token and distillation-token logits
    also in training, so its label loss trains the average (and it warns
    that it cannot train the distilled DeiT). Here, as in DeiT
    (facebookresearch/deit, ``models.py`` and ``losses.py``):

    - ``loss``: the label loss on the class token's logits
      (``layers.head``) alone; the distillation token's logits
      (``layers.head_dist``) are computed for the distiller to record and
      train on the teacher (``DeiTLoss``);
    - ``forward``/``predict``: the average of both heads' logits.

    The parameters and their names are mmpretrain's, so a student trained
    with this head loads into mmpretrain's own DeiT-distilled config.
    Arguments are :class:`DeiTClsHead`'s.
    """

    def forward(self, feats: Tuple[List[torch.Tensor]]) -> torch.Tensor:
        """The average of the class and distillation heads' logits."""
        cls_token, dist_token = self.pre_logits(feats)
        return (self.layers.head(cls_token) +
                self.layers.head_dist(dist_token)) / 2

    def loss(self, feats: Tuple[List[torch.Tensor]], data_samples: list,
             **kwargs) -> dict:
        """The label loss of the class token's logits; the distillation
        token's logits are computed (``layers.head_dist``) for the
        distiller's recorder."""
        cls_token, dist_token = self.pre_logits(feats)
        cls_score = self.layers.head(cls_token)
        self.layers.head_dist(dist_token)
        return self._get_loss(cls_score, data_samples, **kwargs)
