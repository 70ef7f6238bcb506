"""CRD's memory banks and negative sampling (the loss: ``crd.py``).

Tian, Krishnan and Isola, "Contrastive Representation Distillation", ICLR
2020. Each side keeps a bank of ``n_data`` embeddings (one row per training
sample) that the other side's anchors are contrasted with; after each step
the batch's rows move towards the new embeddings with momentum. Negatives
are drawn per anchor, uniformly or from the other classes (the authors'
CIFAR-100 recipe).

:class:`CRDMemory` is a mixin of :class:`~.crd.CRDLoss`: its buffers are
registered on the loss itself, so the checkpoint keys stay the loss's
(``student_memory``, ``teacher_memory``, ``rng.*``).
"""
import math
from typing import Sequence

import torch
import torch.distributed as torch_dist
import torch.nn.functional as F
from mmengine.dist import get_world_size, is_distributed

from .utils import RandomStream


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


class CRDMemory:
    """Memory banks, their momentum update and the negatives drawn from
    them, for a loss module (an ``nn.Module``) that mixes this in.

    The module calls :meth:`init_memory` then :meth:`init_sampling` in its
    ``__init__`` (after ``nn.Module.__init__``) and sets ``n_data``,
    ``nce_k``, ``nce_m``, ``negatives`` and ``exclude_positive``.
    """

    NEGATIVES = ('uniform', 'other_classes')

    def init_memory(self, n_data: int, feat_dim: int) -> None:
        """Register the two banks, ``(n_data, feat_dim)`` each, uniform in
        ``[-s, s]`` with ``s = 1 / sqrt(feat_dim / 3)`` (the authors')."""
        bound = 1.0 / math.sqrt(feat_dim / 3)
        for name in ('student_memory', 'teacher_memory'):
            bank = torch.rand(n_data, feat_dim) * (2 * bound) - bound
            self.register_buffer(name, bank)

    def init_sampling(self) -> None:
        """Register the random stream of the draws and the (unsaved)
        dataset labels of ``negatives='other_classes'``."""
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
        device = self.student_memory.device
        counts = torch.bincount(labels)
        self.label_order = torch.sort(labels, stable=True)[1].to(device)
        self.class_count = counts.to(device)
        self.class_start = (torch.cumsum(counts, 0) - counts).to(device)
        self.dataset_labels = labels.to(device)

    def check_indices(self, indices: torch.Tensor, arg: str) -> None:
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
            return torch.randint(
                0, self.n_data, shape, device=device, generator=generator)
        # uniform over the other n_data - 1 rows: skip over the positive
        draws = torch.randint(
            0, self.n_data - 1, shape, device=device, generator=generator)
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
                    torch.randint(
                        0,
                        size, (self.nce_k, ),
                        device=device,
                        generator=generator))
        positions = torch.stack(positions)
        # skip over the anchor's own class in the label-sorted order
        positions = positions + (positions >= start[:, None]).long() * \
            count[:, None]
        return self.label_order.to(device)[positions]

    @torch.no_grad()
    def update_memory(self, indices: torch.Tensor, student: torch.Tensor,
                      teacher: torch.Tensor) -> None:
        """Move the banks' rows at ``indices`` towards the embeddings:
        ``normalize(nce_m * row + (1 - nce_m) * embedding)``; under
        distributed training the rows of all ranks are gathered first, so
        every rank applies the same update.

        Args:
            indices (Tensor): Dataset indices of the batch, ``(N, )``.
            student (Tensor): Student embeddings ``(N, feat_dim)``.
            teacher (Tensor): Teacher embeddings ``(N, feat_dim)``.
        """
        if is_distributed():
            indices = _all_gather_rows(indices)
            student = _all_gather_rows(student)
            teacher = _all_gather_rows(teacher)
        for bank, embedding in ((self.student_memory, student),
                                (self.teacher_memory, teacher)):
            rows = bank[indices] * self.nce_m + embedding * (1 - self.nce_m)
            bank.index_copy_(0, indices, F.normalize(rows, dim=1))
