"""The 8x8 handwritten digits that scikit-learn ships, as a tiny dataset.

1,797 real grey-scale images of the digits 0-9 (the UCI optical recognition
of handwritten digits test set), bundled with scikit-learn, so smoke tests
and tutorials can train and distill real models offline in seconds.
"""
from typing import Any, List, Optional, Sequence, Union

import numpy as np
from mmengine.dataset import BaseDataset

from mmkd.registry import DATASETS

_SPLITS = ('train', 'test')
NUM_DIGITS = 1797


def _load_sklearn_digits():
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
    except ImportError as e:
        raise ImportError(
            'The Digits dataset reads the digits bundled with scikit-learn, '
            'which is not installed. Fix: pip install scikit-learn') from e
    return load_digits, train_test_split


@DATASETS.register_module()
class Digits(BaseDataset):
    """scikit-learn's 8x8 handwritten digits (1,797 images, 10 classes).

    The images are split once, stratified by class and shuffled with
    ``seed``, into ``num_train`` training images and the rest for testing;
    the same arguments always give the same, disjoint splits.

    Each sample has ``img`` (``(8, 8, 1)`` uint8 array, the original 0..16
    intensities scaled to 0..255), ``gt_label`` (int), ``img_id`` (index in
    scikit-learn's data) and ``sample_idx``. ``metainfo['classes']`` is
    ``('0', ..., '9')``.

    Args:
        split (str): ``'train'`` or ``'test'``. Defaults to ``'train'``.
        num_train (int): Number of training images; the remaining ones form
            the test split. Defaults to 1200 (so 597 test images).
        seed (int): Seed of the split. Defaults to 0.
        num_per_class (int, optional): Keep only this many training images
            of each digit (the first ones of the seeded, shuffled training
            split, so a smaller ``num_per_class`` gives a subset of a larger
            one), e.g. the few labelled images a student learns from while
            its teacher saw the whole training split. Only for
            ``split='train'``. Defaults to None (all of them).
        pipeline (Sequence[dict | Callable]): Transforms applied to each
            sample. Defaults to ().
        test_mode (bool): Whether the dataset is used for testing. Defaults
            to False.
        metainfo (dict, optional): Overrides the metainfo. Defaults to None.
        **kwargs: Other arguments of :class:`mmengine.dataset.BaseDataset`
            (``indices``, ``serialize_data``, ``lazy_init``, ...).
    """

    METAINFO = dict(classes=tuple(str(i) for i in range(10)))

    def __init__(self,
                 split: str = 'train',
                 num_train: int = 1200,
                 seed: int = 0,
                 num_per_class: Optional[int] = None,
                 pipeline: Sequence[Union[dict, Any]] = (),
                 test_mode: bool = False,
                 metainfo: Optional[dict] = None,
                 **kwargs) -> None:
        if split not in _SPLITS:
            raise ValueError(f'Digits: split must be one of {_SPLITS}, but '
                             f'got {split!r}.')
        if (not isinstance(num_train, (int, np.integer))
                or not 10 <= num_train <= NUM_DIGITS - 10):
            raise ValueError(
                'Digits: num_train must be an int in [10, '
                f'{NUM_DIGITS - 10}] so that both splits hold every class, '
                f'but got {num_train!r}.')
        if num_per_class is not None:
            if (isinstance(num_per_class, bool)
                    or not isinstance(num_per_class,
                                      (int, np.integer)) or num_per_class < 1):
                raise ValueError('Digits: num_per_class must be a positive '
                                 f'int or None, but got {num_per_class!r}.')
            if split != 'train':
                raise ValueError('Digits: num_per_class selects training '
                                 f"images; it needs split='train', not "
                                 f'{split!r}.')
        self.split = split
        self.num_train = int(num_train)
        self.seed = seed
        self.num_per_class = (None
                              if num_per_class is None else int(num_per_class))
        super().__init__(
            metainfo=metainfo,
            pipeline=list(pipeline),
            test_mode=test_mode,
            **kwargs)

    def load_data_list(self) -> List[dict]:
        """Load the digits and keep this split's images.

        Returns:
            list[dict]: One dict per image with ``img``, ``gt_label``,
            ``img_id``, ``img_shape`` and ``ori_shape``.
        """
        load_digits, train_test_split = _load_sklearn_digits()
        digits = load_digits()
        images = np.rint(digits.images * (255.0 / 16.0)).clip(0, 255)
        images = images.astype(np.uint8)[..., None]
        labels = digits.target
        train_idx, test_idx = train_test_split(
            np.arange(len(labels)),
            train_size=self.num_train,
            stratify=labels,
            random_state=self.seed)
        chosen = train_idx if self.split == 'train' else test_idx
        if self.num_per_class is not None:
            # the first images of each class in the shuffled split's order
            taken = np.zeros(10, dtype=int)
            keep = []
            for i in chosen:
                if taken[labels[i]] < self.num_per_class:
                    taken[labels[i]] += 1
                    keep.append(i)
            chosen = np.asarray(keep)
        chosen = np.sort(chosen)
        shape = images.shape[1:3]
        return [
            dict(
                img=images[i],
                gt_label=int(labels[i]),
                img_id=int(i),
                img_shape=shape,
                ori_shape=shape) for i in chosen
        ]

    def __repr__(self) -> str:
        size = len(self) if self._fully_initialized else 'not loaded yet'
        return (f'Digits(split={self.split!r}, num_train={self.num_train}, '
                f'seed={self.seed}, num_per_class={self.num_per_class}, '
                f'num_samples={size})')
