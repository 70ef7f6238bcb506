"""Contrastive representation distillation.

Tian, Krishnan and Isola, "Contrastive Representation Distillation", ICLR
2020. Student and teacher embeddings ``e = normalize(W f)`` are contrasted
with ``K`` negatives drawn from memory banks of the other side:
``h(a, m) = exp(a . m / tau) / Z`` and, per anchor,
``L = -E[log h_0 / (h_0 + K/n) + sum_k log (K/n) / (h_k + K/n)]``; the
student-anchor and teacher-anchor losses are summed.
"""
import math
from types import MappingProxyType
from typing import Optional, Sequence

import torch
import torch.distributed as torch_dist
import torch.nn as nn
import torch.nn.functional as F
from mmengine.dist import all_reduce, get_world_size, is_distributed

from mmkd.registry import MODELS
from mmkd.utils.deprecation import renamed_args
from .base import BaseDistillLoss, check_number, tau_arg
from .utils import RandomStream, batch_values

_EPS = 1e-7


def _all_gather_rows(tensor: torch.Tensor) -> torch.Tensor:
    """Concatenate ``tensor`` (rows may differ in number) of all ranks."""
    count = torch.tensor([tensor.size(0)], device=tensor.device)
    counts = [torch.zeros_like(count) for _ in range(get_world_size())]
    torch_dist.all_gather(counts, count)
    counts = [int(c.item()) for c in counts]
    padded = tensor.new_zeros((max(counts), ) + tuple(tensor.shape[1:]))
    padded[:tensor.size(0)] = tensor
    parts = [torch.zeros_like(padded) for _ in counts]
    torch_dist.all_gather(parts, padded)
    return torch.cat([part[:n] for part, n in zip(parts, counts)])


@MODELS.register_module(name=['CRDLoss', 'crd'])
class CRDLoss(BaseDistillLoss):
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

    data_sample_inputs = MappingProxyType(dict(indices='sample_idx'))
    NEGATIVES = ('uniform', 'other_classes')

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
                            ('out_channels', out_channels),
                            ('n_data', n_data), ('feat_dim', feat_dim),
                            ('nce_k', nce_k)):
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
        bound = 1.0 / math.sqrt(feat_dim / 3)
        for name in ('student_memory', 'teacher_memory'):
            bank = torch.rand(n_data, feat_dim) * (2 * bound) - bound
            self.register_buffer(name, bank)
        # Z of the student-anchor and the teacher-anchor contrast; < 0 until
        # estimated on the first batch
        self.register_buffer('normalizer', torch.full((2, ), -1.0))
        self.rng = RandomStream()
        # the training set's labels (other_classes), and grouped by class:
        # the dataset indices sorted by label, and where each class starts
        # in that order and how many samples it has; not saved (the dataset
        # gives them on every start)
        for name in ('dataset_labels', 'label_order', 'class_start',
                     'class_count'):
            self.register_buffer(
                name, torch.zeros(0, dtype=torch.long), persistent=False)

    def set_dataset_labels(self, labels: Sequence[int]) -> None:
        """Give the class label of every training sample (``n_data``
        of them, in dataset order), for ``negatives='other_classes'``.

        Args:
            labels (Tensor | Sequence[int]): Label of sample ``i`` at
                position ``i``.
        """
        labels = torch.as_tensor(labels).reshape(-1).long().cpu()
        if labels.numel() != self.n_data:
            raise ValueError(
                f'CRDLoss: got {labels.numel()} dataset labels for '
                f'n_data={self.n_data}; n_data must be the size of the '
                'training set.')
        if labels.numel() and labels.min() < 0:
            raise ValueError('CRDLoss: dataset labels must be >= 0.')
        device = self.normalizer.device
        counts = torch.bincount(labels)
        self.label_order = torch.sort(labels, stable=True)[1].to(device)
        self.class_count = counts.to(device)
        self.class_start = (torch.cumsum(counts, 0) - counts).to(device)
        self.dataset_labels = labels.to(device)

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

    def _check_indices(self, indices: torch.Tensor, arg: str) -> None:
        if indices.numel() and (indices.min() < 0
                                or indices.max() >= self.n_data):
            raise ValueError(
                f'CRDLoss: {arg} must lie in [0, n_data={self.n_data}), got '
                f'values from {int(indices.min())} to {int(indices.max())}; '
                'set n_data to the size of the training set.')

    def sample_negatives(self, indices: torch.Tensor) -> torch.Tensor:
        """Draw ``nce_k`` bank rows per anchor (see ``negatives``).

        Args:
            indices (Tensor): Dataset indices of the batch, ``(N, )``.

        Returns:
            Tensor: Long tensor ``(N, nce_k)``.
        """
        shape = (indices.numel(), self.nce_k)
        device = indices.device
        generator = self.rng.generator(device)
        if self.negatives == 'other_classes':
            return self._other_class_negatives(indices, generator)
        if not self.exclude_positive:
            return torch.randint(0, self.n_data, shape, device=device,
                                 generator=generator)
        # uniform over the other n_data - 1 rows: skip over the positive
        draws = torch.randint(0, self.n_data - 1, shape, device=device,
                              generator=generator)
        return draws + (draws >= indices.view(-1, 1)).long()

    def _other_class_negatives(self, indices: torch.Tensor,
                               generator: torch.Generator) -> torch.Tensor:
        """``nce_k`` samples of the other classes per anchor: distinct
        when the other classes have at least ``nce_k`` samples (numpy's
        ``choice(..., replace=False)`` in RepDistiller), else with
        replacement."""
        if self.label_order.numel() != self.n_data:
            raise RuntimeError(
                "CRDLoss(negatives='other_classes') needs the label of "
                'every training sample: add dict(type=\'DatasetLabelsHook\') '
                'to custom_hooks, or call set_dataset_labels(labels) in a '
                'plain loop.')
        device = indices.device
        labels = self.dataset_labels.to(device)[indices]
        start = self.class_start.to(device)[labels]
        count = self.class_count.to(device)[labels]
        pool = self.n_data - count  # samples of the other classes
        if int(pool.min()) < 1:
            raise ValueError('CRDLoss: every training sample has the same '
                             'label; there are no other classes to draw '
                             'negatives from.')
        positions = []
        for size in pool.tolist():
            if size >= self.nce_k:
                positions.append(
                    torch.randperm(size, generator=generator,
                                   device=device)[:self.nce_k])
            else:
                positions.append(
                    torch.randint(0, size, (self.nce_k, ), device=device,
                                  generator=generator))
        positions = torch.stack(positions)
        # skip over the anchor's own class in the label-sorted order
        positions = positions + (positions >= start[:, None]).long() * \
            count[:, None]
        return self.label_order.to(device)[positions]

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
        scores = torch.exp(self._scores(anchor, bank.detach(), rows) /
                           self.tau)
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

    @torch.no_grad()
    def _update_memory(self, indices: torch.Tensor, student: torch.Tensor,
                       teacher: torch.Tensor) -> None:
        if is_distributed():
            indices = _all_gather_rows(indices)
            student = _all_gather_rows(student)
            teacher = _all_gather_rows(teacher)
        for bank, embedding in ((self.student_memory, student),
                                (self.teacher_memory, teacher)):
            rows = bank[indices] * self.nce_m + embedding * (1 - self.nce_m)
            bank.index_copy_(0, indices, F.normalize(rows, dim=1))

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
        self._check_indices(indices, 'indices')
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
        self._check_indices(negative_indices, 'negative_indices')
        rows = torch.cat([indices.view(-1, 1), negative_indices], dim=1)

        with torch.autocast(device_type=student.device.type, enabled=False):
            emb_s = F.normalize(self.embed_student(student), dim=1)
            emb_t = F.normalize(self.embed_teacher(teacher), dim=1)
            # student anchor vs teacher bank, teacher anchor vs student bank
            loss = self._contrast(emb_s, self.teacher_memory, rows, 0) + \
                self._contrast(emb_t, self.student_memory, rows, 1)
        self._update_memory(indices, emb_s.detach(), emb_t.detach())
        return self.loss_weight * loss
