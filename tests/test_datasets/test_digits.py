from collections import Counter

import numpy as np
import pytest

from mmkd.datasets import Digits
from mmkd.registry import DATASETS

pytest.importorskip('sklearn')


def _ids(dataset):
    return [dataset[i]['img_id'] for i in range(len(dataset))]


def test_split_sizes_disjoint_and_complete():
    train, test = Digits(split='train'), Digits(split='test')
    assert len(train) == 1200 and len(test) == 597
    train_ids, test_ids = set(_ids(train)), set(_ids(test))
    assert not train_ids & test_ids
    assert train_ids | test_ids == set(range(1797))


def test_split_is_deterministic_and_seeded():
    assert _ids(Digits(split='test')) == _ids(Digits(split='test', seed=0))
    assert _ids(Digits(split='test', seed=1)) != _ids(Digits(split='test'))
    small = Digits(split='train', num_train=100, seed=5)
    assert len(small) == 100
    # stratified: every digit is in both splits, in similar proportions
    counts = Counter(small[i]['gt_label'] for i in range(len(small)))
    assert sorted(counts) == list(range(10))
    assert min(counts.values()) >= 9


def test_samples_and_classes():
    from sklearn.datasets import load_digits
    digits = load_digits()
    dataset = DATASETS.build(dict(type='Digits', split='test'))
    assert dataset.metainfo['classes'] == tuple('0123456789')
    info = dataset[0]
    img = info['img']
    assert img.shape == (8, 8, 1) and img.dtype == np.uint8
    i = info['img_id']
    assert info['gt_label'] == digits.target[i]
    expected = np.rint(digits.images[i] * 255 / 16).astype(np.uint8)
    np.testing.assert_array_equal(img[..., 0], expected)
    all_max = max(int(dataset[j]['img'].max()) for j in range(20))
    assert all_max == 255


def test_bad_arguments():
    with pytest.raises(ValueError, match='split'):
        Digits(split='val')
    with pytest.raises(ValueError, match='num_train'):
        Digits(num_train=1797)
