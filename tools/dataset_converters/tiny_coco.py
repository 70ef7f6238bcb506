"""A generator of tiny, synthetic COCO-format instance-segmentation datasets.

The dataset is written in the real COCO 2017 on-disk layout, the one mmdet's
``configs/_base_/datasets/coco_instance.py`` expects::

    root/
        annotations/instances_train2017.json
        annotations/instances_val2017.json
        train2017/000000000001.jpg ...
        val2017/000000000009.jpg ...

Each image shows 1 to ``max_objects`` filled squares, circles and triangles
(one colour per category) on a plain, lightly noisy background, so tiny
detectors can learn them in a few iterations. Every object has a polygon
segmentation traced from its mask with :func:`cv2.findContours`, its bounding
box and its mask area.

It is test and demo data, not part of the installed mmkd package; the
command line is ``make_tiny_coco.py`` next to this file, and tests and demos
import it with this folder on ``sys.path``.

Example:
    >>> from tiny_coco import TINY_COCO_CLASSES, make_tiny_coco
    >>> root = make_tiny_coco('data/tiny_coco', num_train=8, num_val=4)
    >>> # in a config: metainfo=dict(classes=TINY_COCO_CLASSES)
"""
import json
import os
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np

TINY_COCO_CLASSES = ('square', 'circle', 'triangle')

# one fill colour per category (BGR, as cv2 writes them), far from the grey
# background and from each other
_CLASS_COLORS_BGR = ((40, 40, 220), (50, 190, 40), (210, 90, 30))
_SPLITS = ('train2017', 'val2017')
_MIN_SIZE_RATIO = 0.15
_MAX_SIZE_RATIO = 0.45
_MAX_PLACEMENT_TRIES = 50
_GAP = 2  # minimum distance in pixels between the boxes of two objects

Box = Tuple[int, int, int, int]  # x0, y0, x1, y1, inclusive


def _draw_mask(category_id: int, box: Box, img_size: int) -> np.ndarray:
    """Draw a filled shape inscribed in ``box`` as a binary mask.

    Args:
        category_id (int): 1 (square), 2 (circle) or 3 (triangle).
        box (tuple[int, int, int, int]): ``(x0, y0, x1, y1)``, inclusive
            pixel coordinates of a square box.
        img_size (int): Height and width of the mask.

    Returns:
        np.ndarray: ``(img_size, img_size)`` uint8 mask of 0s and 1s.
    """
    x0, y0, x1, y1 = box
    mask = np.zeros((img_size, img_size), dtype=np.uint8)
    if category_id == 1:
        mask[y0:y1 + 1, x0:x1 + 1] = 1
    elif category_id == 2:
        # draw at 8x sub-pixel precision so even-sized circles are centred
        shift = 3
        scale = 1 << shift
        center = (int(round(
            (x0 + x1) / 2 * scale)), int(round((y0 + y1) / 2 * scale)))
        radius = int(round((x1 - x0) / 2 * scale))
        cv2.circle(mask, center, radius, 1, -1, cv2.LINE_8, shift)
    elif category_id == 3:
        apex = (int(round((x0 + x1) / 2)), y0)
        points = np.array([[x0, y1], [x1, y1], apex], dtype=np.int32)
        cv2.fillPoly(mask, [points], 1)
    else:
        raise ValueError(f'Unknown category id {category_id}')
    return mask


def _mask_to_polygon(mask: np.ndarray) -> List[float]:
    """Trace the outer contour of a binary mask as a flat COCO polygon.

    Args:
        mask (np.ndarray): uint8 mask of 0s and 1s with one connected object.

    Returns:
        list[float]: ``[x1, y1, x2, y2, ...]`` of the largest outer contour,
        at least 3 points.
    """
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_SIMPLE)
    contour = max(contours, key=cv2.contourArea).reshape(-1, 2)
    if len(contour) < 3:
        raise ValueError('The object mask is too small for a polygon')
    return [float(v) for v in contour.flatten()]


def _boxes_overlap(a: Box, b: Box, gap: int) -> bool:
    """Whether two inclusive boxes are closer than ``gap`` pixels."""
    return not (a[2] + gap < b[0] or b[2] + gap < a[0] or a[3] + gap < b[1]
                or b[3] + gap < a[1])


def _sample_boxes(rng: np.random.Generator, img_size: int,
                  num_objects: int) -> List[Box]:
    """Sample up to ``num_objects`` square boxes that do not overlap.

    The first box always fits; a later one is dropped when no free place is
    found in a bounded number of tries, so an image has at least one object.

    Args:
        rng (np.random.Generator): Random generator.
        img_size (int): Height and width of the image.
        num_objects (int): Number of boxes wanted.

    Returns:
        list[tuple[int, int, int, int]]: Inclusive ``(x0, y0, x1, y1)`` boxes.
    """
    boxes: List[Box] = []
    min_size = max(4, int(round(_MIN_SIZE_RATIO * img_size)))
    max_size = max(min_size, int(round(_MAX_SIZE_RATIO * img_size)))
    for _ in range(num_objects):
        for _ in range(_MAX_PLACEMENT_TRIES):
            size = int(rng.integers(min_size, max_size + 1))
            x0 = int(rng.integers(0, img_size - size + 1))
            y0 = int(rng.integers(0, img_size - size + 1))
            box = (x0, y0, x0 + size - 1, y0 + size - 1)
            if not any(_boxes_overlap(box, other, _GAP) for other in boxes):
                boxes.append(box)
                break
    return boxes


def _make_image(
        rng: np.random.Generator, img_size: int,
        max_objects: int) -> Tuple[np.ndarray, List[Tuple[int, np.ndarray]]]:
    """Render one image and the masks of its objects.

    Args:
        rng (np.random.Generator): Random generator.
        img_size (int): Height and width of the image.
        max_objects (int): Maximum number of objects.

    Returns:
        tuple[np.ndarray, list[tuple[int, np.ndarray]]]: The BGR uint8 image
        and a ``(category_id, mask)`` pair per object.
    """
    background = rng.integers(150, 231)
    noise_std = rng.uniform(0, 6)
    img = background + rng.normal(0, noise_std, (img_size, img_size, 3))
    num_objects = int(rng.integers(1, max_objects + 1))
    objects = []
    for box in _sample_boxes(rng, img_size, num_objects):
        category_id = int(rng.integers(1, len(TINY_COCO_CLASSES) + 1))
        mask = _draw_mask(category_id, box, img_size)
        color = np.array(_CLASS_COLORS_BGR[category_id - 1], dtype=np.float64)
        color += rng.integers(-15, 16, size=3)
        img[mask.astype(bool)] = color + rng.normal(0, noise_std,
                                                    (int(mask.sum()), 3))
        objects.append((category_id, mask))
    return np.clip(np.round(img), 0, 255).astype(np.uint8), objects


def _make_split(root: str, split: str, num_images: int, first_img_id: int,
                first_ann_id: int, img_size: int, max_objects: int,
                seed: Sequence[int]) -> Dict:
    """Write the images of one split and return its COCO annotation dict.

    Args:
        root (str): Dataset root.
        split (str): ``'train2017'`` or ``'val2017'``.
        num_images (int): Number of images.
        first_img_id (int): Id of the first image.
        first_ann_id (int): Id of the first annotation.
        img_size (int): Height and width of the images.
        max_objects (int): Maximum number of objects per image.
        seed (Sequence[int]): Seed of the split's random generator.

    Returns:
        dict: The COCO annotation dict of the split.
    """
    rng = np.random.default_rng(list(seed))
    img_dir = osp.join(root, split)
    os.makedirs(img_dir, exist_ok=True)
    images, annotations = [], []
    ann_id = first_ann_id
    for img_id in range(first_img_id, first_img_id + num_images):
        img, objects = _make_image(rng, img_size, max_objects)
        file_name = f'{img_id:012d}.jpg'
        quality = [cv2.IMWRITE_JPEG_QUALITY, 95]
        if not cv2.imwrite(osp.join(img_dir, file_name), img, quality):
            raise IOError(f'Could not write {osp.join(img_dir, file_name)}')
        images.append(
            dict(
                id=img_id,
                file_name=file_name,
                width=img_size,
                height=img_size))
        for category_id, mask in objects:
            x, y, w, h = cv2.boundingRect(mask)
            annotations.append(
                dict(
                    id=ann_id,
                    image_id=img_id,
                    category_id=category_id,
                    bbox=[float(x), float(y),
                          float(w), float(h)],
                    area=float(mask.sum()),
                    iscrowd=0,
                    segmentation=[_mask_to_polygon(mask)]))
            ann_id += 1
    categories = [
        dict(id=i + 1, name=name, supercategory='shape')
        for i, name in enumerate(TINY_COCO_CLASSES)
    ]
    return dict(
        info=dict(
            description='mmkd tiny synthetic COCO-format shapes dataset',
            version='1.0',
            year=2017),
        licenses=[],
        images=images,
        annotations=annotations,
        categories=categories)


def make_tiny_coco(root: str,
                   num_train: int = 8,
                   num_val: int = 4,
                   img_size: int = 128,
                   max_objects: int = 3,
                   seed: int = 0) -> str:
    """Write a tiny synthetic COCO-format instance-segmentation dataset.

    Writes ``annotations/instances_{train,val}2017.json`` and JPEG images
    under ``train2017/`` and ``val2017/`` in ``root``, the layout of COCO 2017
    that mmdet's ``coco_instance.py`` base config reads. Each image is
    ``img_size`` x ``img_size`` with 1 to ``max_objects`` non-overlapping
    objects of the categories :data:`TINY_COCO_CLASSES` (ids 1, 2, 3), each
    15-45% of the image wide. Annotations have ``bbox`` (``[x, y, w, h]``,
    the tight box of the mask), ``area`` (mask pixels), ``iscrowd`` 0 and a
    polygon ``segmentation``. Image and annotation ids are unique across the
    two splits (the validation ids follow the training ones).

    The output depends only on the arguments; each split has its own random
    stream, so the validation images do not change with ``num_train``.

    Args:
        root (str): Directory to write the dataset to; created if needed.
        num_train (int): Number of training images. Defaults to 8.
        num_val (int): Number of validation images. Defaults to 4.
        img_size (int): Height and width of the images. Defaults to 128.
        max_objects (int): Maximum number of objects per image. Defaults
            to 3.
        seed (int): Random seed. Defaults to 0.

    Returns:
        str: ``root``.

    Raises:
        ValueError: If a count is negative, ``max_objects`` < 1 or
            ``img_size`` < 32.
    """
    if num_train < 0 or num_val < 0:
        raise ValueError('num_train and num_val must be >= 0, got '
                         f'{num_train} and {num_val}')
    if max_objects < 1:
        raise ValueError(f'max_objects must be >= 1, got {max_objects}')
    if img_size < 32:
        raise ValueError(f'img_size must be >= 32, got {img_size}')
    ann_dir = osp.join(root, 'annotations')
    os.makedirs(ann_dir, exist_ok=True)
    next_img_id, next_ann_id = 1, 1
    counts = dict(zip(_SPLITS, (num_train, num_val)))
    for split_idx, split in enumerate(_SPLITS):
        coco = _make_split(root, split, counts[split], next_img_id,
                           next_ann_id, img_size, max_objects,
                           (seed, split_idx))
        next_img_id += counts[split]
        next_ann_id += len(coco['annotations'])
        with open(osp.join(ann_dir, f'instances_{split}.json'), 'w') as f:
            json.dump(coco, f)
    return root


__all__ = ['TINY_COCO_CLASSES', 'make_tiny_coco']
