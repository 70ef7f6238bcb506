import math

import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope

from mmkd.evaluation import Accuracy
from mmkd.structures import ClsDataSample

# 4 samples, 6 classes. Rank of the true class (1 = best):
#   sample 0: true 0, best             -> rank 1
#   sample 1: true 2, third best       -> rank 3
#   sample 2: true 5, worst            -> rank 6
#   sample 3: true 1, second best      -> rank 2
SCORES = torch.tensor([
    [0.50, 0.10, 0.10, 0.10, 0.10, 0.10],
    [0.40, 0.05, 0.15, 0.30, 0.05, 0.05],
    [0.30, 0.20, 0.20, 0.15, 0.14, 0.01],
    [0.10, 0.35, 0.45, 0.05, 0.03, 0.02],
])
LABELS = [0, 2, 5, 1]


def _samples(scores=SCORES, labels=LABELS):
    return [
        ClsDataSample().set_pred_score(s).set_pred_label(
            s.argmax()).set_gt_label(label)
        for s, label in zip(scores, labels)
    ]


def _evaluate(metric, samples):
    metric.process(None, samples)
    return metric.evaluate(len(samples))


def test_hand_computed_topk():
    result = _evaluate(Accuracy(topk=(1, 2, 3, 5)), _samples())
    assert result == {
        'accuracy/top1': 25.0,
        'accuracy/top2': 50.0,
        'accuracy/top3': 75.0,
        'accuracy/top5': 75.0,
    }
    assert all(isinstance(v, float) for v in result.values())


def test_default_is_top1_and_prefix():
    assert _evaluate(Accuracy(), _samples()) == {'accuracy/top1': 25.0}
    assert _evaluate(Accuracy(topk=2, prefix='student'), _samples()) == {
        'student/top2': 50.0
    }


def test_through_evaluator_with_dict_samples():
    """mmengine's Evaluator hands metrics ``to_dict()`` copies."""
    init_default_scope('mmkd')
    evaluator = Evaluator(dict(type='Accuracy', topk=(1, 5)))
    evaluator.process(_samples()[:2], data_batch=None)
    evaluator.process(_samples()[2:], data_batch=None)
    assert evaluator.evaluate(4) == {
        'accuracy/top1': 25.0,
        'accuracy/top5': 75.0
    }


def test_ties_do_not_inflate():
    equal = torch.full((3, 10), 0.1)
    result = _evaluate(Accuracy(topk=(1, 5, 10)), _samples(equal, [0, 4, 9]))
    assert result == {
        'accuracy/top1': 0.0,
        'accuracy/top5': 0.0,
        'accuracy/top10': 100.0
    }
    # true class tied with one other class for first place
    tie = torch.tensor([[0.4, 0.4, 0.2]])
    result = _evaluate(Accuracy(topk=(1, 2)), _samples(tie, [1]))
    assert result == {'accuracy/top1': 0.0, 'accuracy/top2': 100.0}


def test_nan_scores_count_as_wrong():
    scores = torch.tensor([[math.nan, 0.2, 0.1], [0.2, math.nan, 0.7]])
    result = _evaluate(Accuracy(topk=(1, 2)), _samples(scores, [0, 2]))
    assert result == {'accuracy/top1': 0.0, 'accuracy/top2': 50.0}


def test_topk_larger_than_num_classes():
    with pytest.raises(ValueError, match='top-5 .*3 classes'):
        _evaluate(Accuracy(topk=(1, 5)), _samples(SCORES[:, :3], [0, 1, 2, 0]))


def test_bad_inputs():
    with pytest.raises(ValueError, match='topk'):
        Accuracy(topk=(0, ))
    with pytest.raises(ValueError, match='topk'):
        Accuracy(topk=(1, 1))
    with pytest.raises(ValueError, match='pred_score'):
        Accuracy().process(None, [ClsDataSample().set_gt_label(1)])
    with pytest.raises(ValueError, match='gt_label'):
        _evaluate(Accuracy(), _samples(SCORES, [0, 1, 2, 6]))
