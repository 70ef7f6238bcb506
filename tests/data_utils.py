"""Helpers that write tiny datasets in the official on-disk formats.

``make_tiny_coco``, ``make_tiny_seg`` and ``make_tiny_imagenet`` (COCO,
mmseg and ImageNet folder layouts) are
re-exported from ``tools/dataset_converters/``, where they live with their
command-line tools; they are test and demo data, not part of mmkd.

``make_tiny_cifar`` writes a small CIFAR-10 or CIFAR-100 in the layout and
pickle format of the official "python version" archives: Python-2 style
protocol-2 pickles (byte-string keys and names, numpy arrays pickled via
``numpy.core.multiarray._reconstruct`` as numpy 1.x on Python 2 wrote them),
optionally packed into the official ``.tar.gz`` name. The images are a
random pattern per class plus noise, so a small model can learn them in an
end-to-end test.
"""
import io
import os
import os.path as osp
import pickle
import struct
import sys
import tarfile
from typing import Any, Dict, List, Tuple

import numpy as np

sys.path.insert(
    0,
    osp.join(
        osp.dirname(osp.dirname(osp.abspath(__file__))), 'tools',
        'dataset_converters'))

from tiny_coco import TINY_COCO_CLASSES, make_tiny_coco  # noqa: E402,F401
from tiny_imagenet import make_tiny_imagenet  # noqa: E402,F401
from tiny_seg import TINY_SEG_CLASSES  # noqa: E402,F401
from tiny_seg import IGNORE_INDEX, TINY_SEG_METAINFO, make_tiny_seg

CIFAR10_CLASSES = ('airplane', 'automobile', 'bird', 'cat', 'deer', 'dog',
                   'frog', 'horse', 'ship', 'truck')
CIFAR100_CLASSES = (
    'apple', 'aquarium_fish', 'baby', 'bear', 'beaver', 'bed', 'bee', 'beetle',
    'bicycle', 'bottle', 'bowl', 'boy', 'bridge', 'bus', 'butterfly', 'camel',
    'can', 'castle', 'caterpillar', 'cattle', 'chair', 'chimpanzee', 'clock',
    'cloud', 'cockroach', 'couch', 'crab', 'crocodile', 'cup', 'dinosaur',
    'dolphin', 'elephant', 'flatfish', 'forest', 'fox', 'girl', 'hamster',
    'house', 'kangaroo', 'keyboard', 'lamp', 'lawn_mower', 'leopard', 'lion',
    'lizard', 'lobster', 'man', 'maple_tree', 'motorcycle', 'mountain',
    'mouse', 'mushroom', 'oak_tree', 'orange', 'orchid', 'otter', 'palm_tree',
    'pear', 'pickup_truck', 'pine_tree', 'plain', 'plate', 'poppy',
    'porcupine', 'possum', 'rabbit', 'raccoon', 'ray', 'road', 'rocket',
    'rose', 'sea', 'seal', 'shark', 'shrew', 'skunk', 'skyscraper', 'snail',
    'snake', 'spider', 'squirrel', 'streetcar', 'sunflower', 'sweet_pepper',
    'table', 'tank', 'telephone', 'television', 'tiger', 'tractor', 'train',
    'trout', 'tulip', 'turtle', 'wardrobe', 'whale', 'willow_tree', 'wolf',
    'woman', 'worm')
CIFAR100_COARSE = ('aquatic_mammals', 'fish', 'flowers', 'food_containers',
                   'fruit_and_vegetables', 'household_electrical_devices',
                   'household_furniture', 'insects', 'large_carnivores',
                   'large_man-made_outdoor_things',
                   'large_natural_outdoor_scenes',
                   'large_omnivores_and_herbivores', 'medium_mammals',
                   'non-insect_invertebrates', 'people', 'reptiles',
                   'small_mammals', 'trees', 'vehicles_1', 'vehicles_2')


class Py2Str(bytes):
    """A Python-2 ``str``: pickled with the BINSTRING opcodes, so it loads
    as ``str`` with ``encoding='latin1'`` and as ``bytes`` with
    ``encoding='bytes'``."""


class Py2Global:
    """A global reference written verbatim (``GLOBAL module\\nname``)."""

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    def __call__(self, *args):  # save_reduce insists on a callable
        raise NotImplementedError


class _Py2Pickler(pickle._Pickler):
    """Writes protocol-2 pickles the way Python 2's cPickle did."""

    dispatch = pickle._Pickler.dispatch.copy()

    def save_py2str(self, obj: Py2Str) -> None:
        n = len(obj)
        if n < 256:
            self.write(pickle.SHORT_BINSTRING + struct.pack('<B', n) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack('<i', n) + obj)

    def save_py2global(self, obj: Py2Global) -> None:
        self.write(pickle.GLOBAL + f'{obj.module}\n{obj.name}\n'.encode())

    dispatch[Py2Str] = save_py2str
    dispatch[Py2Global] = save_py2global

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, np.ndarray):
            return (Py2Global('numpy.core.multiarray', '_reconstruct'),
                    (Py2Global('numpy', 'ndarray'), (0, ), Py2Str(b'b')),
                    (1, obj.shape, obj.dtype, False,
                     Py2Str(np.ascontiguousarray(obj).tobytes())))
        if isinstance(obj, np.dtype):
            if obj.kind not in 'biu' or obj.itemsize != 1:
                raise NotImplementedError('only 1-byte dtypes are needed')
            return (Py2Global('numpy',
                              'dtype'), (Py2Str(obj.str[1:].encode()), 0, 1),
                    (3, Py2Str(b'|'), None, None, None, -1, -1, 0))
        return NotImplemented


def _py2(value: Any) -> Any:
    """Turn the ``str`` keys and values of ``value`` into :class:`Py2Str`."""
    if isinstance(value, str):
        return Py2Str(value.encode('latin1'))
    if isinstance(value, dict):
        return {_py2(k): _py2(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_py2(v) for v in value)
    return value


def write_py2_pickle(path: str, obj: Dict[str, Any]) -> None:
    """Write ``obj`` as Python 2's ``cPickle.dump(obj, f, 2)`` would.

    Args:
        path (str): Output file.
        obj (dict): A dict of str keys, lists, ints, str and uint8 arrays.
    """
    buffer = io.BytesIO()
    _Py2Pickler(buffer, protocol=2).dump(_py2(obj))
    with open(path, 'wb') as f:
        f.write(buffer.getvalue())


def to_cifar_rows(images: np.ndarray) -> np.ndarray:
    """``(N, 32, 32, 3)`` RGB images -> ``(N, 3072)`` rows (R, G, B planes)."""
    return np.ascontiguousarray(images.transpose(0, 3, 1,
                                                 2)).reshape(len(images), -1)


def tiny_cifar_arrays(
        num_classes: int = 100,
        num_train: int = 200,
        num_test: int = 100,
        seed: int = 0) -> Dict[str, Tuple[np.ndarray, List[int]]]:
    """The images and labels :func:`make_tiny_cifar` writes.

    Args:
        num_classes (int): 10 or 100. Defaults to 100.
        num_train (int): Number of training images. Defaults to 200.
        num_test (int): Number of test images. Defaults to 100.
        seed (int): Random seed. Defaults to 0.

    Returns:
        dict: ``{'train': (images, labels), 'test': (images, labels)}`` with
        ``(N, 32, 32, 3)`` uint8 RGB images and int labels.
    """
    if num_classes not in (10, 100):
        raise ValueError(f'num_classes must be 10 or 100, got {num_classes}.')
    rng = np.random.RandomState(seed)
    patterns = rng.randint(0, 256, size=(num_classes, 32, 32, 3))
    arrays = {}
    for split, n in (('train', num_train), ('test', num_test)):
        labels = rng.permutation(np.arange(n) % num_classes)
        noise = rng.randint(-40, 41, size=(n, 32, 32, 3))
        images = np.clip(patterns[labels] + noise, 0, 255).astype(np.uint8)
        arrays[split] = (images, [int(x) for x in labels])
    return arrays


def make_tiny_cifar(root: str,
                    num_classes: int = 100,
                    num_train: int = 200,
                    num_test: int = 100,
                    seed: int = 0,
                    archive: bool = False) -> str:
    """Write a tiny CIFAR-10/100 in the official python-version format.

    CIFAR-10 gets ``cifar-10-batches-py/{data_batch_1..5, test_batch,
    batches.meta}`` (the training images spread over the five batches),
    CIFAR-100 gets ``cifar-100-python/{train, test, meta}``, with the
    official keys. With ``archive=True`` only the official archive
    (``cifar-10-python.tar.gz`` / ``cifar-100-python.tar.gz``) is left in
    ``root``.

    Args:
        root (str): Folder to write into (created if needed).
        num_classes (int): 10 for CIFAR-10, 100 for CIFAR-100. Defaults to
            100.
        num_train (int): Number of training images. Defaults to 200.
        num_test (int): Number of test images. Defaults to 100.
        seed (int): Random seed. Defaults to 0.
        archive (bool): Whether to pack the folder into the official
            ``.tar.gz`` instead. Defaults to False.

    Returns:
        str: ``root``, the ``data_root`` to give ``CIFAR10``/``CIFAR100``.
    """
    arrays = tiny_cifar_arrays(num_classes, num_train, num_test, seed)
    root = str(root)
    if num_classes == 10:
        folder = 'cifar-10-batches-py'
        out = osp.join(root, folder)
        os.makedirs(out, exist_ok=True)
        images, labels = arrays['train']
        chunks = np.array_split(np.arange(len(labels)), 5)
        batches = [(f'data_batch_{i + 1}', f'training batch {i + 1} of 5',
                    images[idx], [labels[j] for j in idx])
                   for i, idx in enumerate(chunks)]
        batches.append(('test_batch', 'testing batch 1 of 1', *arrays['test']))
        for name, batch_label, imgs, lbls in batches:
            write_py2_pickle(
                osp.join(out, name),
                dict(
                    batch_label=batch_label,
                    labels=list(lbls),
                    data=to_cifar_rows(imgs),
                    filenames=[f'img_{i:05d}.png' for i in range(len(lbls))]))
        write_py2_pickle(
            osp.join(out, 'batches.meta'),
            dict(
                num_cases_per_batch=max(len(c) for c in chunks),
                label_names=list(CIFAR10_CLASSES),
                num_vis=3072))
    else:
        folder = 'cifar-100-python'
        out = osp.join(root, folder)
        os.makedirs(out, exist_ok=True)
        for split in ('train', 'test'):
            imgs, lbls = arrays[split]
            write_py2_pickle(
                osp.join(out, split),
                dict(
                    filenames=[f'img_{i:05d}.png' for i in range(len(lbls))],
                    batch_label=f'{split}ing batch 1 of 1',
                    fine_labels=list(lbls),
                    coarse_labels=[x // 5 for x in lbls],
                    data=to_cifar_rows(imgs)))
        write_py2_pickle(
            osp.join(out, 'meta'),
            dict(
                fine_label_names=list(CIFAR100_CLASSES),
                coarse_label_names=list(CIFAR100_COARSE)))
    if archive:
        name = ('cifar-10-python.tar.gz'
                if num_classes == 10 else 'cifar-100-python.tar.gz')
        with tarfile.open(osp.join(root, name), 'w:gz') as tar:
            tar.add(out, arcname=folder)
        for file in os.listdir(out):
            os.remove(osp.join(out, file))
        os.rmdir(out)
    return root
