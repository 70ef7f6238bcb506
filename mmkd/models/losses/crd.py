"""Contrastive representation distillation.

Tian, Krishnan and Isola, "Contrastive Representation Distillation", ICLR
2020. Student and teacher embeddings ``e = normalize(W f)`` are contrasted
with ``K`` negatives drawn from memory banks of the other side:
``h(a, m) = exp(a . m / tau) / Z`` and, per anchor,
``L = -E[log h_0 / (h_0 + K/n) + sum_k log (K/n) / (h_k + K/n)]``; the
student-anchor and teacher-anchor losses are summed. The memory banks and
the negative sampling are in ``crd_memory.py``.
"""
from types import MappingProxyType
from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.dist import all_reduce, is_distributed

from mmkd.registry import MODELS
from mmkd.utils.deprecation import renamed_args
from .base import EMBEDDINGS, BaseDistillLoss, Pairing, check_number, tau_arg
from .crd_memory import CRDMemory
from .utils import batch_values

_EPS = 1e-7


@MODELS.register_module(name=['CRDLoss', 'crd'])
class CRDLoss(CRDMemory, BaseDistillLoss):
    """CRD loss with its embedding heads and memory banks.

    Inputs are the penultimate features (the input of the classifier's
    ``linear``): record the output of ``avgpool`` in the compact form
    (maps ``(N, C, 1, 1)`` are flattened), or the input of ``linear`` with
    ``dict(type='ModuleInputs', source='linear')`` and ``data_idx=0`` in the
    explicit form. The batch's dataset indices come from each data sample's
    ``sample_idx`` (``data_sample_inputs``), so no mapping is needed.

    The two embedding heads live inside the loss, not in connectors: the
    teacher's head is learned too, and the compact form (and the plain
    ``Distiller``) attaches connectors to student layers only; the banks
    hold the heads' outputs, so heads, banks and ``Z`` are one unit that
    works unchanged in both forms and is saved under one checkpoint prefix.

    Banks (``n_data x feat_dim``, uniform in ``[-s, s]`` with
    ``s = 1 / sqrt(feat_dim / 3)`` as in the authors' code) and the
    normalisation constants ``Z`` are buffers: they are saved with the
    checkpoint and restored on resume. ``Z`` is estimated once, on the first
    batch, as ``n_data * mean(exp(a . m / tau))`` (averaged over ranks).
    After the loss, the banks' rows at the batch's indices become
    ``normalize(momentum * row + (1 - momentum) * embedding)``; under
    distributed training the embeddings and indices of all ranks are
    gathered first, so every rank applies the same update.

    Negatives (``negatives``):

    - ``'other_classes'``: as the authors' CIFAR-100 recipe
      (RepDistiller's ``CIFAR100InstanceSample``, mode ``'exact'``, behind
      the published CRD numbers): the positive is the sample's own index
      and the ``nce_k`` negatives are drawn from the samples of the other
      classes, without replacement (with replacement when there are fewer
      than ``nce_k``). It needs the label of every training sample:
      ``DatasetLabelsHook`` passes them from the training set before
      training (:meth:`set_dataset_labels`; plain loops call it
      themselves).
    - ``'uniform'``: uniformly with replacement from the ``n_data`` rows,
      as the authors' memory module does when given no indices (it may
      draw the positive; ``exclude_positive=True`` avoids that).

    The draws come from the loss's own :class:`~.utils.RandomStream`
    (``rng``), saved in the checkpoint, so a resumed run draws the same
    negatives as an uninterrupted one.

    Args:
        in_channels (int): Student feature size (deprecated name:
            ``s_dim``).
        out_channels (int): Teacher feature size (deprecated name:
            ``t_dim``). As everywhere in mmkd, ``in_channels`` is the
            student's side and ``out_channels`` the teacher's.
        n_data (int): Size of the training set (rows of each bank).
        feat_dim (int): Embedding size. Defaults to 128.
        nce_k (int): Negatives per anchor. Defaults to 16384.
        tau (float): Temperature (``nce_t`` is accepted too). Defaults to
            0.07.
        nce_m (float): Momentum of the bank update. Defaults to 0.5.
        exclude_positive (bool): Never draw an anchor's own index as a
            negative (``'uniform'`` only). Defaults to False.
        negatives (str): ``'uniform'`` or ``'other_classes'``. Defaults to
            ``'uniform'``.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    pairing = Pairing(
        EMBEDDINGS.kind, ('embedding', ),
        'none',
        student_channels=('in_channels', ),
        teacher_channels=('out_channels', ))

    data_sample_inputs = MappingProxyType(dict(indices='sample_idx'))

    @renamed_args(s_dim='in_channels', t_dim='out_channels')
    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 n_data: int,
                 feat_dim: int = 128,
                 nce_k: int = 16384,
                 tau: Optional[float] = None,
                 nce_m: float = 0.5,
                 exclude_positive: bool = False,
                 negatives: str = 'uniform',
                 loss_weight: float = 1.0,
                 *,
                 nce_t: Optional[float] = None) -> None:
        super().__init__(loss_weight)
        for name, value in (('in_channels', in_channels),
                            ('out_channels', out_channels), ('n_data', n_data),
                            ('feat_dim', feat_dim), ('nce_k', nce_k)):
            if isinstance(value, bool) or not isinstance(value, int) or \
                    value < 1:
                raise ValueError(
                    f'CRDLoss: {name} must be a positive int, got {value!r}.')
        if exclude_positive and n_data < 2:
            raise ValueError('CRDLoss: exclude_positive needs n_data >= 2.')
        if negatives not in self.NEGATIVES:
            raise ValueError(f'CRDLoss: negatives must be one of '
                             f'{self.NEGATIVES}, got {negatives!r}.')
        self.negatives = negatives
        self.in_channels, self.out_channels = in_channels, out_channels
        self.n_data = n_data
        self.nce_k = nce_k
        self.tau = tau_arg('CRDLoss', tau, 0.07, 'nce_t', nce_t)
        self.nce_m = check_number('CRDLoss', 'nce_m', nce_m, '[0, 1)')
        self.exclude_positive = exclude_positive
        self.embed_student = nn.Linear(in_channels, feat_dim)
        self.embed_teacher = nn.Linear(out_channels, feat_dim)
        self.init_memory(n_data, feat_dim)
        # Z of the student-anchor and the teacher-anchor contrast; < 0 until
        # estimated on the first batch
        self.register_buffer('normalizer', torch.full((2, ), -1.0))
        self.init_sampling()

    # ------------------------------------------------------------- helpers
    def _features(self, side: str, feature: torch.Tensor,
                  dim: int) -> torch.Tensor:
        if not isinstance(feature, torch.Tensor) or feature.dim() < 2:
            shape = tuple(feature.shape) if isinstance(
                feature, torch.Tensor) else type(feature).__name__
            raise ValueError(f'CRDLoss: expects (N, {dim}) {side} features '
                             f'(or (N, {dim}, 1, 1) maps), got {shape}.')
        flat = feature.flatten(1)
        if flat.size(1) != dim:
            raise ValueError(
                f'CRDLoss: configured for {side} features of size {dim} '
                f'({"in_channels" if side == "student" else "out_channels"}) '
                f'but got shape {tuple(feature.shape)}; record the '
                'penultimate '
                'feature (the input of the classifier).')
        return self.upcast_to_parameters(flat)

    @staticmethod
    def _scores(anchor: torch.Tensor, bank: torch.Tensor,
                rows: torch.Tensor) -> torch.Tensor:
        """``bank[rows[n, k]] . anchor[n]``, ``(N, K + 1)``.

        When the draws cover a good part of the bank (CIFAR: 16385 of 50000
        rows per anchor), scoring every row with one matrix product and
        picking the drawn ones is several times faster than gathering an
        ``(N, K + 1, D)`` tensor of candidates; otherwise (ImageNet-sized
        banks) the gather is cheaper.
        """
        if bank.size(0) <= 4 * rows.size(1):
            # a copy: the backward needs the bank as it was, and the bank
            # is updated in place after the loss
            return (anchor @ bank.clone().t()).gather(1, rows)
        return torch.einsum('nkd,nd->nk', bank[rows], anchor)

    def _contrast(self, anchor: torch.Tensor, bank: torch.Tensor,
                  rows: torch.Tensor, which: int) -> torch.Tensor:
        """NCE loss of ``anchor`` against ``bank[rows]`` (column 0 the
        positive)."""
        scores = torch.exp(
            self._scores(anchor, bank.detach(), rows) / self.tau)
        if self.normalizer[which] < 0:
            with torch.no_grad():
                z = scores.mean() * self.n_data
                if is_distributed():
                    all_reduce(z, op='mean')
                self.normalizer[which] = z
        probs = scores / float(self.normalizer[which])
        noise = (rows.size(1) - 1) / self.n_data  # K * Pn
        log_pos = torch.log(probs[:, 0] / (probs[:, 0] + noise + _EPS))
        log_neg = torch.log(noise / (probs[:, 1:] + noise + _EPS))
        return -(log_pos.sum() + log_neg.sum()) / anchor.size(0)

    # ------------------------------------------------------------- forward
    def forward(
            self,
            student: torch.Tensor,
            teacher: torch.Tensor,
            indices: Optional[Sequence] = None,
            negative_indices: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Compute the loss, then update the memory banks.

        Args:
            student (Tensor): Student features ``(N, in_channels)`` (or
                ``(N, in_channels, 1, 1)``).
            teacher (Tensor): Teacher features ``(N, out_channels)``; detached.
            indices (Tensor | Sequence[int]): Dataset index of each sample,
                in ``[0, n_data)``; the distiller passes the data samples'
                ``sample_idx``.
            negative_indices (Tensor, optional): Bank rows to contrast with,
                ``(N, K)``. Defaults to None: ``sample_negatives``.

        Returns:
            Tensor: The weighted scalar loss.
        """
        student = self._features('student', student, self.in_channels)
        teacher = self._features('teacher', teacher.detach(),
                                 self.out_channels)
        if student.size(0) != teacher.size(0):
            raise ValueError(
                f'CRDLoss: student batch {tuple(student.shape)} and teacher '
                f'batch {tuple(teacher.shape)} differ in size.')
        indices = batch_values('CRDLoss', 'indices', indices, student.size(0),
                               student.device)
        self.check_indices(indices, 'indices')
        if negative_indices is None:
            negative_indices = self.sample_negatives(indices)
        elif not isinstance(negative_indices, torch.Tensor) or \
                negative_indices.dim() != 2 or \
                negative_indices.size(0) != student.size(0):
            shape = tuple(negative_indices.shape) if isinstance(
                negative_indices, torch.Tensor) else negative_indices
            raise ValueError(
                f'CRDLoss: negative_indices must be (N={student.size(0)}, '
                f'K), got {shape}.')
        negative_indices = negative_indices.to(student.device).long()
        self.check_indices(negative_indices, 'negative_indices')
        rows = torch.cat([indices.view(-1, 1), negative_indices], dim=1)

        with torch.autocast(device_type=student.device.type, enabled=False):
            emb_s = F.normalize(self.embed_student(student), dim=1)
            emb_t = F.normalize(self.embed_teacher(teacher), dim=1)
            # student anchor vs teacher bank, teacher anchor vs student bank
            loss = self._contrast(emb_s, self.teacher_memory, rows, 0) + \
                self._contrast(emb_t, self.student_memory, rows, 1)
        self.update_memory(indices, emb_s.detach(), emb_t.detach())
        return self.loss_weight * loss
