"""Tests of the tiny synthetic semantic-segmentation dataset generator."""
import filecmp
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
from data_utils import (IGNORE_INDEX, TINY_SEG_CLASSES, TINY_SEG_METAINFO,
                        make_tiny_seg)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('tiny_seg'))
    assert make_tiny_seg(out, num_train=5, num_val=3, img_size=48) == out
    return out


def test_layout_images_and_labels(root):
    for split, num in (('train', 5), ('val', 3)):
        imgs = sorted(os.listdir(osp.join(root, 'img_dir', split)))
        anns = sorted(os.listdir(osp.join(root, 'ann_dir', split)))
        assert imgs == anns == [f'{i:05d}.png' for i in range(num)]
        for name in imgs:
            img = cv2.imread(osp.join(root, 'img_dir', split, name))
            label = cv2.imread(
                osp.join(root, 'ann_dir', split, name), cv2.IMREAD_UNCHANGED)
            assert img.shape == (48, 48, 3) and img.dtype == np.uint8
            assert label.shape == (48, 48) and label.dtype == np.uint8
            values = set(np.unique(label).tolist())
            assert values <= {0, 1, 2, 3, IGNORE_INDEX}
            assert 0 in values and values & {1, 2, 3}  # background + shapes
            # the labelled shape pixels are far from the background colour
            inner = (label > 0) & (label != IGNORE_INDEX)
            assert np.abs(img[inner].astype(int) -
                          img[label == 0].mean(0)).sum(1).mean() > 50


def test_outlines_are_ignored_only_when_asked(tmp_path):
    with_ignore = make_tiny_seg(str(tmp_path / 'a'), 2, 0, 40, seed=3)
    without = make_tiny_seg(
        str(tmp_path / 'b'), 2, 0, 40, seed=3, ignore_boundary=False)
    a = cv2.imread(osp.join(with_ignore, 'ann_dir/train/00000.png'), 0)
    b = cv2.imread(osp.join(without, 'ann_dir/train/00000.png'), 0)
    assert IGNORE_INDEX in a and IGNORE_INDEX not in b
    # the ignored pixels are shape pixels; the rest of the labels agree
    assert (b[a == IGNORE_INDEX] > 0).all()
    assert (a[a != IGNORE_INDEX] == b[a != IGNORE_INDEX]).all()


def test_deterministic_and_val_independent_of_num_train(root, tmp_path):
    other = make_tiny_seg(str(tmp_path), num_train=2, num_val=3, img_size=48)
    for sub in ('img_dir/val', 'ann_dir/val'):
        cmp = filecmp.dircmp(osp.join(root, sub), osp.join(other, sub))
        assert not cmp.diff_files and not cmp.left_only
        _, mismatch, errors = filecmp.cmpfiles(
            osp.join(root, sub),
            osp.join(other, sub),
            os.listdir(osp.join(root, sub)),
            shallow=False)
        assert not mismatch and not errors


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match='make_tiny_seg: img_size'):
        make_tiny_seg(str(tmp_path), img_size=16)
    with pytest.raises(ValueError, match='make_tiny_seg: num_train'):
        make_tiny_seg(str(tmp_path), num_train=-1)
    with pytest.raises(ValueError, match='make_tiny_seg: max_objects'):
        make_tiny_seg(str(tmp_path), max_objects=0)


def test_loads_in_mmseg_base_seg_dataset(root):
    from mmengine.registry import DefaultScope
    from mmseg.registry import DATASETS
    with DefaultScope.overwrite_default_scope('mmseg'):
        dataset = DATASETS.build(
            dict(
                type='BaseSegDataset',
                data_root=root,
                metainfo=TINY_SEG_METAINFO,
                img_suffix='.png',
                seg_map_suffix='.png',
                data_prefix=dict(
                    img_path='img_dir/val', seg_map_path='ann_dir/val'),
                pipeline=[
                    dict(type='LoadImageFromFile'),
                    dict(type='LoadAnnotations'),
                    dict(type='PackSegInputs')
                ]))
    assert len(dataset) == 3
    assert dataset.metainfo['classes'] == TINY_SEG_CLASSES
    sample = dataset[0]
    assert tuple(sample['inputs'].shape) == (3, 48, 48)
    gt = sample['data_samples'].gt_sem_seg.data
    assert tuple(gt.shape) == (1, 48, 48)
    assert set(gt.unique().tolist()) <= {0, 1, 2, 3, IGNORE_INDEX}


def test_command_line_tool(tmp_path):
    proc = subprocess.run([
        sys.executable, 'tools/dataset_converters/make_tiny_seg.py',
        str(tmp_path), '--num-train', '2', '--num-val', '1', '--img-size', '32'
    ],
                          cwd=REPO,
                          capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    assert 'Wrote a tiny segmentation dataset' in proc.stdout
    assert len(os.listdir(tmp_path / 'img_dir' / 'train')) == 2
    assert len(os.listdir(tmp_path / 'ann_dir' / 'val')) == 1
