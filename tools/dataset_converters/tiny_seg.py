"""A generator of tiny, synthetic semantic-segmentation datasets.

The dataset is written in the on-disk layout mmseg's ``BaseSegDataset``
reads (the layout of mmseg's ADE20K and Cityscapes-style configs)::

    root/
        img_dir/train/00000.png ...    BGR images
        img_dir/val/00000.png ...
        ann_dir/train/00000.png ...    uint8 label maps (class indices)
        ann_dir/val/00000.png ...

Each image shows 1 to ``max_objects`` filled squares, circles and triangles
(one colour per class, the shapes of ``tiny_coco.py`` next to this file) on a
plain, lightly noisy background. The label map holds 0 for the background,
1/2/3 for square/circle/triangle and, with ``ignore_boundary`` (the default),
255 on the one-pixel outline of every shape, as Pascal VOC marks object
borders. Labels ignore ``reduce_zero_label``: the background is class 0.

Test and demo data like ``tiny_coco.py``; the command line is
``make_tiny_seg.py`` next to this file.

Example:
    >>> from tiny_seg import TINY_SEG_METAINFO, make_tiny_seg
    >>> root = make_tiny_seg('data/tiny_seg', num_train=8, num_val=4)
    >>> # in a config: dict(type='BaseSegDataset', data_root=root,
    >>> #     metainfo=TINY_SEG_METAINFO, img_suffix='.png', ...)
"""
import os
import os.path as osp

import cv2
import numpy as np
from tiny_coco import TINY_COCO_CLASSES, _make_image

TINY_SEG_CLASSES = ('background', ) + TINY_COCO_CLASSES
# RGB colours for mmseg's visualizer: grey background, then the shapes'
# colours (the generator draws them in BGR)
TINY_SEG_PALETTE = [[128, 128, 128], [220, 40, 40], [40, 190, 50],
                    [30, 90, 210]]
TINY_SEG_METAINFO = dict(classes=TINY_SEG_CLASSES, palette=TINY_SEG_PALETTE)
IGNORE_INDEX = 255
SPLITS = ('train', 'val')


def _label_map(objects, img_size: int, ignore_boundary: bool) -> np.ndarray:
    """The class-index map of one image's ``(category_id, mask)`` objects."""
    label = np.zeros((img_size, img_size), dtype=np.uint8)
    kernel = np.ones((3, 3), dtype=np.uint8)
    for category_id, mask in objects:
        label[mask.astype(bool)] = category_id
    if ignore_boundary:
        for _, mask in objects:
            outline = mask.astype(bool) & ~cv2.erode(mask, kernel).astype(bool)
            label[outline] = IGNORE_INDEX
    return label


def make_tiny_seg(root: str,
                  num_train: int = 8,
                  num_val: int = 4,
                  img_size: int = 64,
                  seed: int = 0,
                  max_objects: int = 3,
                  ignore_boundary: bool = True) -> str:
    """Write a tiny synthetic semantic-segmentation dataset.

    Writes ``img_dir/{train,val}/NNNNN.png`` (BGR images) and
    ``ann_dir/{train,val}/NNNNN.png`` (uint8 class-index maps, classes
    :data:`TINY_SEG_CLASSES`, 255 = ignore) in ``root``. The output depends
    only on the arguments; each split has its own random stream, so the
    validation images do not change with ``num_train``.

    Args:
        root (str): Directory to write the dataset to; created if needed.
        num_train (int): Number of training images. Defaults to 8.
        num_val (int): Number of validation images. Defaults to 4.
        img_size (int): Height and width of the images. Defaults to 64.
        seed (int): Random seed. Defaults to 0.
        max_objects (int): Maximum number of shapes per image. Defaults
            to 3.
        ignore_boundary (bool): Label the one-pixel outline of each shape
            255 (ignored by the loss and the metric). Defaults to True.

    Returns:
        str: ``root``.

    Raises:
        ValueError: If a count is negative, ``max_objects`` < 1 or
            ``img_size`` < 32.
    """
    if num_train < 0 or num_val < 0:
        raise ValueError('make_tiny_seg: num_train and num_val must be >= 0, '
                         f'got {num_train} and {num_val}')
    if max_objects < 1:
        raise ValueError(
            f'make_tiny_seg: max_objects must be >= 1, got {max_objects}')
    if img_size < 32:
        raise ValueError(
            f'make_tiny_seg: img_size must be >= 32, got {img_size}')
    for split_idx, (split,
                    num) in enumerate(zip(SPLITS, (num_train, num_val))):
        rng = np.random.default_rng([seed, split_idx])
        img_dir = osp.join(root, 'img_dir', split)
        ann_dir = osp.join(root, 'ann_dir', split)
        os.makedirs(img_dir, exist_ok=True)
        os.makedirs(ann_dir, exist_ok=True)
        for i in range(num):
            img, objects = _make_image(rng, img_size, max_objects)
            label = _label_map(objects, img_size, ignore_boundary)
            name = f'{i:05d}.png'
            for path, array in ((osp.join(img_dir, name), img),
                                (osp.join(ann_dir, name), label)):
                if not cv2.imwrite(path, array):
                    raise IOError(f'Could not write {path}')
    return root


__all__ = [
    'TINY_SEG_CLASSES', 'TINY_SEG_PALETTE', 'TINY_SEG_METAINFO',
    'IGNORE_INDEX', 'make_tiny_seg'
]
