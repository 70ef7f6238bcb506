"""CIFAR-10 and CIFAR-100, read from the official "python version" files.

The official archives (https://www.cs.toronto.edu/~kriz/cifar.html) hold
Python-2 pickles of dicts with a ``data`` array of shape ``(N, 3072)`` (one
row per image: the 1024 red, then 1024 green, then 1024 blue values of a
32x32 image, each plane row-major) and a list of labels. They are read with
mmkd's restricted unpickler (:mod:`mmkd.utils.checkpoint`, which rebuilds
only an allow-list of data types such as numpy arrays), so a tampered file
cannot run code; an archive is extracted by :mod:`.archive`. Nothing is ever
downloaded.
"""
import os.path as osp
import pickle
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.dataset import BaseDataset

from mmkd.registry import DATASETS
from mmkd.utils.checkpoint import RestrictedUnpickler, UnsafeCheckpointError
from .archive import extract_folder

CIFAR_URL = 'https://www.cs.toronto.edu/~kriz/cifar.html'
IMG_SIZE = 32
_SPLITS = ('train', 'test')


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle asked for a global that a CIFAR file never contains."""


def load_cifar_pickle(path: str) -> Dict[str, Any]:
    """Load one file of the official CIFAR python version safely.

    Args:
        path (str): Path of a batch or meta file.

    Returns:
        dict: The file's dict, with ``str`` keys (Python-2 byte strings are
        decoded as latin-1).
    """
    try:
        with open(path, 'rb') as f:
            # mmkd's one restricted unpickler (that of checkpoints): numpy
            # arrays, lists and strings, never code
            content = RestrictedUnpickler(f, encoding='latin1').load()
    except UnsafeCheckpointError as err:
        raise UnsafePickleError(
            f'{path}: {err}. Official CIFAR files only contain numpy arrays, '
            'lists and strings, so this file is not an official CIFAR file '
            '(it may be corrupted or tampered with). Replace it with a fresh '
            f'copy from {CIFAR_URL}.') from None
    except (EOFError, pickle.UnpicklingError, ValueError, IndexError,
            TypeError, AttributeError, MemoryError) as err:
        raise ValueError(
            f'{path} is not a readable CIFAR file (truncated or corrupt?): '
            f'{type(err).__name__}: {err}. Get a fresh copy from '
            f'{CIFAR_URL}.') from None
    if not isinstance(content, dict):
        raise ValueError(f'{path}: expected a pickled dict, got '
                         f'{type(content).__name__}.')
    return {
        (k.decode('latin1') if isinstance(k, bytes) else k): v
        for k, v in content.items()
    }


def _as_str(value: Union[str, bytes]) -> str:
    return value.decode('latin1') if isinstance(value, bytes) else str(value)


class _BaseCIFAR(BaseDataset):
    """Common loading logic of :class:`CIFAR10` and :class:`CIFAR100`.

    Subclasses set the names of the official folder, archive and files.
    """

    folder: str = ''
    archive: str = ''
    train_files: Tuple[str, ...] = ()
    test_files: Tuple[str, ...] = ()
    meta_file: str = ''
    labels_key: str = ''
    names_key: str = ''

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 pipeline: Sequence[Union[dict, Any]] = (),
                 test_mode: bool = False,
                 metainfo: Optional[dict] = None,
                 **kwargs) -> None:
        if split not in _SPLITS:
            raise ValueError(f'{type(self).__name__}: split must be one of '
                             f'{_SPLITS}, but got {split!r}.')
        if not data_root:
            raise ValueError(
                f'{type(self).__name__} needs data_root, the folder that '
                f'holds {self.folder}/ (or {self.archive}).')
        self.split = split
        super().__init__(
            data_root=osp.expanduser(data_root),
            metainfo=metainfo,
            pipeline=list(pipeline),
            test_mode=test_mode,
            **kwargs)

    @property
    def _needed_files(self) -> Tuple[str, ...]:
        files = self.train_files if self.split == 'train' else self.test_files
        return files + (self.meta_file, )

    def _has_files(self, folder: str) -> bool:
        return all(osp.isfile(osp.join(folder, f)) for f in self._needed_files)

    def _not_found(self, detail: str) -> FileNotFoundError:
        expected = osp.join(self.data_root, self.folder)
        return FileNotFoundError(
            f'{type(self).__name__} ({self.split} split): {detail}. Expected '
            f'the folder {expected} with the files '
            f'{", ".join(self._needed_files)} (the official "python version"'
            f' of the dataset). Download {self.archive} from {CIFAR_URL} and '
            f'put it in {self.data_root} (it is extracted automatically) or '
            f'extract it there yourself. mmkd never downloads datasets.')

    def _find_folder(self) -> str:
        """The folder that holds the files, extracting the archive if
        needed."""
        root = self.data_root
        if self._has_files(root):  # data_root is the extracted folder itself
            return root
        folder = osp.join(root, self.folder)
        if self._has_files(folder):
            return folder
        if osp.isdir(folder):
            missing = [
                f for f in self._needed_files
                if not osp.isfile(osp.join(folder, f))
            ]
            raise self._not_found(f'{folder} lacks {", ".join(missing)}')
        archive = osp.join(root, self.archive)
        if osp.isfile(archive):
            extract_folder(archive, root, self.folder, CIFAR_URL)
            if self._has_files(folder):
                return folder
            raise self._not_found(
                f'{archive} was extracted, but it does not contain the '
                f'expected {self.folder}/ files')
        if not osp.isdir(root):
            raise self._not_found(f'data_root {root} does not exist')
        raise self._not_found(f'found neither {folder} nor {archive}')

    def _load_images(self, path: str,
                     num_classes: int) -> Tuple[np.ndarray, List[int]]:
        batch = load_cifar_pickle(path)
        if 'data' not in batch or self.labels_key not in batch:
            raise ValueError(f'{path}: expected the keys "data" and '
                             f'"{self.labels_key}", got {sorted(batch)}.')
        data, labels = batch['data'], [int(x) for x in batch[self.labels_key]]
        row = 3 * IMG_SIZE * IMG_SIZE
        if (not isinstance(data, np.ndarray) or data.dtype != np.uint8
                or data.ndim != 2 or data.shape[1] != row):
            raise ValueError(
                f'{path}: "data" must be a uint8 array of shape (N, {row}), '
                f'got {getattr(data, "dtype", type(data).__name__)} '
                f'{getattr(data, "shape", "")}.')
        if len(labels) != len(data):
            raise ValueError(f'{path}: {len(data)} images but {len(labels)} '
                             'labels.')
        bad = [x for x in labels if not 0 <= x < num_classes]
        if bad:
            raise ValueError(f'{path}: label {bad[0]} is outside '
                             f'[0, {num_classes}).')
        # each row holds the R, G and B planes, each row-major: -> NHWC
        images = data.reshape(-1, 3, IMG_SIZE, IMG_SIZE).transpose(0, 2, 3, 1)
        return np.ascontiguousarray(images), labels

    def load_data_list(self) -> List[dict]:
        """Read the split's batches and the class names from the meta file.

        Returns:
            list[dict]: One dict per image with ``img`` (HWC uint8 RGB
            array), ``gt_label`` (int), ``img_id`` (index in the split),
            ``img_shape`` and ``ori_shape`` (``(32, 32)``).
        """
        folder = self._find_folder()
        meta_path = osp.join(folder, self.meta_file)
        meta = load_cifar_pickle(meta_path)
        if self.names_key not in meta:
            raise ValueError(f'{meta_path}: expected the key '
                             f'"{self.names_key}", got {sorted(meta)}.')
        classes = tuple(_as_str(name) for name in meta[self.names_key])
        if 'classes' not in self._metainfo:
            self._metainfo['classes'] = classes
        data_list = []
        files = self.train_files if self.split == 'train' else self.test_files
        for name in files:
            images, labels = self._load_images(
                osp.join(folder, name), len(classes))
            for img, label in zip(images, labels):
                data_list.append(
                    dict(
                        img=img,
                        gt_label=label,
                        img_id=len(data_list),
                        img_shape=(IMG_SIZE, IMG_SIZE),
                        ori_shape=(IMG_SIZE, IMG_SIZE)))
        return data_list

    def __repr__(self) -> str:
        size = len(self) if self._fully_initialized else 'not loaded yet'
        return (f'{type(self).__name__}(split={self.split!r}, '
                f'data_root={self.data_root!r}, num_samples={size})')


@DATASETS.register_module()
class CIFAR10(_BaseCIFAR):
    """CIFAR-10: 60,000 32x32 colour images in 10 classes.

    Reads ``data_root/cifar-10-batches-py/`` (``data_batch_1`` ...
    ``data_batch_5``, ``test_batch``, ``batches.meta``), the official python
    version. ``data_root`` may also be that folder itself. If the folder is
    missing but ``data_root/cifar-10-python.tar.gz`` is there, the archive is
    extracted first. Nothing is downloaded.

    Each sample has ``img`` (HWC uint8 RGB array), ``gt_label`` (int),
    ``img_id`` and ``sample_idx``; ``metainfo['classes']`` holds the names
    from ``batches.meta``.

    Args:
        data_root (str): Folder that holds ``cifar-10-batches-py/`` or
            ``cifar-10-python.tar.gz``.
        split (str): ``'train'`` (50,000 images) or ``'test'`` (10,000).
            Defaults to ``'train'``.
        pipeline (Sequence[dict | Callable]): Transforms applied to each
            sample. Defaults to ().
        test_mode (bool): Whether the dataset is used for testing (mmengine
            then never re-fetches a sample whose pipeline returned None).
            Defaults to False.
        metainfo (dict, optional): Overrides the metainfo; its ``classes``
            win over the meta file's. Defaults to None.
        **kwargs: Other arguments of :class:`mmengine.dataset.BaseDataset`
            (``indices``, ``serialize_data``, ``lazy_init``, ...).
    """

    folder = 'cifar-10-batches-py'
    archive = 'cifar-10-python.tar.gz'
    train_files = tuple(f'data_batch_{i}' for i in range(1, 6))
    test_files = ('test_batch', )
    meta_file = 'batches.meta'
    labels_key = 'labels'
    names_key = 'label_names'


@DATASETS.register_module()
class CIFAR100(_BaseCIFAR):
    """CIFAR-100: 60,000 32x32 colour images in 100 fine classes.

    Reads ``data_root/cifar-100-python/`` (``train``, ``test``, ``meta``),
    the official python version. ``data_root`` may also be that folder
    itself. If the folder is missing but ``data_root/cifar-100-python.tar.gz``
    is there, the archive is extracted first. Nothing is downloaded.

    Each sample has ``img`` (HWC uint8 RGB array), ``gt_label`` (int, the
    fine label), ``img_id`` and ``sample_idx``; ``metainfo['classes']`` holds
    the fine label names from ``meta``.

    Args:
        data_root (str): Folder that holds ``cifar-100-python/`` or
            ``cifar-100-python.tar.gz``.
        split (str): ``'train'`` (50,000 images) or ``'test'`` (10,000).
            Defaults to ``'train'``.
        pipeline (Sequence[dict | Callable]): Transforms applied to each
            sample. Defaults to ().
        test_mode (bool): Whether the dataset is used for testing (mmengine
            then never re-fetches a sample whose pipeline returned None).
            Defaults to False.
        metainfo (dict, optional): Overrides the metainfo; its ``classes``
            win over the meta file's. Defaults to None.
        **kwargs: Other arguments of :class:`mmengine.dataset.BaseDataset`
            (``indices``, ``serialize_data``, ``lazy_init``, ...).
    """

    folder = 'cifar-100-python'
    archive = 'cifar-100-python.tar.gz'
    train_files = ('train', )
    test_files = ('test', )
    meta_file = 'meta'
    labels_key = 'fine_labels'
    names_key = 'fine_label_names'
