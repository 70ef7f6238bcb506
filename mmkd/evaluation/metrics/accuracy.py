"""Top-k classification accuracy."""
import numbers
from typing import Any, List, Optional, Sequence, Union

import torch
from mmengine.evaluator import BaseMetric

from mmkd.registry import METRICS


def topk_accuracy(scores: torch.Tensor, labels: torch.Tensor,
                  topk: Sequence[int]) -> List[float]:
    """Top-k accuracies in percent, counting ties against the prediction.

    A sample counts as correct for ``k`` when at most ``k`` classes
    (its true class included) score at least as high as its true class.
    So a tie at the k-th place never turns a miss into a hit: with all
    scores equal, top-1 accuracy is 0, not 100. A NaN true-class score is
    always wrong.

    Args:
        scores (Tensor): Scores of shape ``(N, num_classes)``.
        labels (Tensor): True class indices of shape ``(N, )``.
        topk (Sequence[int]): The ``k`` values.

    Returns:
        list[float]: One accuracy in percent per ``k``.
    """
    num_classes = scores.size(1)
    too_big = [k for k in topk if k > num_classes]
    if too_big:
        raise ValueError(f'Accuracy: top-{too_big[0]} accuracy needs at least '
                         f'{too_big[0]} classes, but the predictions have '
                         f'{num_classes} classes. Remove it from '
                         f'topk={tuple(topk)}.')
    if labels.numel() and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f'Accuracy: gt_label values must lie in [0, '
                         f'{num_classes}), got {labels.min().item()}..'
                         f'{labels.max().item()}.')
    true_scores = scores.gather(1, labels.view(-1, 1))
    # classes not strictly below the true class (NaN scores count as above)
    rank = (~(scores < true_scores)).sum(dim=1)
    valid = ~torch.isnan(true_scores.view(-1))
    return [((rank <= k) & valid).double().mean().item() * 100 for k in topk]


@METRICS.register_module()
class Accuracy(BaseMetric):
    """Top-k accuracy of classification predictions, in percent.

    Reads ``pred_score`` and ``gt_label`` of the data samples the model's
    ``predict`` returns and reports ``{'top1': ..., 'top5': ...}``, logged
    as ``accuracy/top1`` and so on. Ties are counted against the
    prediction (see :func:`topk_accuracy`).

    Args:
        topk (int | Sequence[int]): The ``k`` values to report. Defaults to
            ``(1, )``.
        collect_device (str): Device used to gather results across processes,
            ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of the metric names. Defaults to None,
            which uses ``'accuracy'``.
    """

    default_prefix: Optional[str] = 'accuracy'

    def __init__(self,
                 topk: Union[int, Sequence[int]] = (1, ),
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        topk = (topk, ) if isinstance(topk, numbers.Integral) else tuple(topk)
        if not topk or not all(
                isinstance(k, numbers.Integral) and k >= 1 for k in topk):
            raise ValueError('topk must be a positive int or a non-empty '
                             f'sequence of positive ints, got {topk!r}.')
        if len(set(topk)) != len(topk):
            raise ValueError(f'topk has repeated values: {topk!r}.')
        self.topk = tuple(int(k) for k in topk)

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Store the scores and labels of a batch of predictions.

        Args:
            data_batch (Any): The batch from the dataloader (unused).
            data_samples (Sequence[dict | ClsDataSample]): The predictions,
                each with ``pred_score`` and ``gt_label``.
        """
        for sample in data_samples:
            score = sample.get('pred_score')
            label = sample.get('gt_label')
            if score is None or label is None:
                raise ValueError(
                    'Accuracy needs data samples with pred_score and '
                    'gt_label; got one with the keys '
                    f'{sorted(sample.keys())}.')
            self.results.append(
                dict(
                    pred_score=torch.as_tensor(score).detach().cpu().float(),
                    gt_label=torch.as_tensor(label).detach().cpu().view(-1)
                    [0].long()))

    def compute_metrics(self, results: List[dict]) -> dict:
        """Compute the accuracies from all processed samples.

        Args:
            results (list[dict]): What :meth:`process` stored, gathered from
                all processes.

        Returns:
            dict: ``{'top1': float, ...}``, one entry per ``k``, in percent.
        """
        if not results:
            raise ValueError('Accuracy got no predictions to evaluate; is the '
                             'evaluation dataset empty?')
        scores = torch.stack([r['pred_score'] for r in results])
        labels = torch.stack([r['gt_label'] for r in results])
        accuracies = topk_accuracy(scores, labels, self.topk)
        return {f'top{k}': acc for k, acc in zip(self.topk, accuracies)}
