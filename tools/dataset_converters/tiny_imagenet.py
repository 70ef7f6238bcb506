"""A tiny synthetic classification set in ImageNet's folder layout.

``<root>/train/<class>/<n>.png`` and ``<root>/val/<class>/<n>.png``, the
layout mmpretrain's ``CustomDataset`` (and ``ImageNet`` without annotation
files) reads, classes named by their folders. Each class is a coloured
shape on a noisy background, so a small network learns it in a few steps.
"""
import os
import os.path as osp

import numpy as np

CLASSES = ('n00000001_red_square', 'n00000002_green_disc',
           'n00000003_blue_bar', 'n00000004_grey_cross')
_COLOURS = ((40, 40, 220), (50, 200, 60), (220, 90, 30), (160, 160, 160))


def _image(label: int, size: int, rng: np.random.Generator) -> np.ndarray:
    img = rng.integers(0, 80, (size, size, 3), dtype=np.uint8)  # BGR
    yy, xx = np.mgrid[:size, :size]
    cy, cx = rng.integers(size // 4, 3 * size // 4, 2)
    r = max(2, size // 5)
    masks = (
        (abs(yy - cy) <= r) & (abs(xx - cx) <= r),
        (yy - cy)**2 + (xx - cx)**2 <= r * r,
        abs(yy - cy) <= max(1, r // 3),
        (abs(yy - cy) <= max(1, r // 4)) | (abs(xx - cx) <= max(1, r // 4)),
    )
    img[masks[label]] = _COLOURS[label]
    return img


def make_tiny_imagenet(root: str,
                       num_train: int = 8,
                       num_val: int = 4,
                       img_size: int = 32,
                       seed: int = 0) -> str:
    """Write ``num_train``/``num_val`` images per class and return
    ``root``."""
    import cv2
    rng = np.random.default_rng(seed)
    for split, count in (('train', num_train), ('val', num_val)):
        for label, name in enumerate(CLASSES):
            folder = osp.join(root, split, name)
            os.makedirs(folder, exist_ok=True)
            for i in range(count):
                path = osp.join(folder, f'{split}_{i:04d}.png')
                if not cv2.imwrite(path, _image(label, img_size, rng)):
                    raise OSError(f'Could not write {path}.')
    return root
