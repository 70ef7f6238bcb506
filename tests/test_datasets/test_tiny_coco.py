"""Tests of the tiny synthetic COCO-format dataset generator."""
import filecmp
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from data_utils import TINY_COCO_CLASSES, make_tiny_coco

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SPLITS = ('train2017', 'val2017')

COCO = pytest.importorskip('pycocotools.coco').COCO
mask_utils = pytest.importorskip('pycocotools.mask')


def _ann_file(root, split):
    return osp.join(root, 'annotations', f'instances_{split}.json')


def _load(root, split):
    with open(_ann_file(root, split)) as f:
        return json.load(f)


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('tiny_coco'))
    assert make_tiny_coco(out, num_train=6, num_val=3, seed=0) == out
    return out


def test_layout_and_fields(root):
    for split, num in zip(SPLITS, (6, 3)):
        coco = _load(root, split)
        assert [c['id'] for c in coco['categories']] == [1, 2, 3]
        assert tuple(c['name']
                     for c in coco['categories']) == TINY_COCO_CLASSES
        assert all('supercategory' in c for c in coco['categories'])
        assert len(coco['images']) == num
        for img in coco['images']:
            assert set(img) == {'id', 'file_name', 'width', 'height'}
            assert img['width'] == img['height'] == 128
            path = osp.join(root, split, img['file_name'])
            assert osp.isfile(path) and path.endswith('.jpg')
        assert len(os.listdir(osp.join(root, split))) == num
        for ann in coco['annotations']:
            assert set(ann) == {
                'id', 'image_id', 'category_id', 'bbox', 'area', 'iscrowd',
                'segmentation'
            }
            assert ann['iscrowd'] == 0
            assert all(isinstance(v, float) for v in ann['bbox'])
            assert isinstance(ann['area'], float)
            assert len(ann['segmentation']) == 1
            assert len(ann['segmentation'][0]) >= 6
    train, val = _load(root, 'train2017'), _load(root, 'val2017')
    img_ids = [i['id'] for i in train['images'] + val['images']]
    ann_ids = [a['id'] for a in train['annotations'] + val['annotations']]
    assert len(set(img_ids)) == len(img_ids)
    assert len(set(ann_ids)) == len(ann_ids)


def test_annotations_match_images_and_masks(root):
    import cv2
    for split in SPLITS:
        coco = COCO(_ann_file(root, split))
        for img_id, img_info in coco.imgs.items():
            anns = coco.loadAnns(coco.getAnnIds(imgIds=[img_id]))
            assert 1 <= len(anns) <= 3
            img = cv2.imread(osp.join(root, split, img_info['file_name']))
            assert img.shape == (128, 128, 3)
            for ann in anns:
                x, y, w, h = ann['bbox']
                assert 0 <= x and 0 <= y and x + w <= 128 and y + h <= 128
                assert 0.15 * 128 - 1 <= max(w, h) <= 0.45 * 128 + 1
                mask = coco.annToMask(ann)
                # the polygon's mask has the annotated box and area
                rle = mask_utils.encode(np.asfortranarray(mask))
                assert np.abs(mask_utils.toBbox(rle) - ann['bbox']).max() <= 1
                assert mask.sum() / ann['area'] > 0.8
                assert mask.sum() <= ann['area']
                # the drawn object (far from the grey background) is there
                obj = img[mask.astype(bool)].astype(int)
                assert (obj.max(1) - obj.min(1)).mean() > 80
            # the objects do not overlap
            masks = [coco.annToMask(a) for a in anns]
            assert np.sum(masks, 0).max() <= 1


def test_drawn_masks_match_polygons():
    import tiny_coco  # tools/dataset_converters/, on sys.path (data_utils)
    rng = np.random.default_rng(1)
    for _ in range(5):
        _, objects = tiny_coco._make_image(rng, 96, 3)
        for _, drawn in objects:
            poly = tiny_coco._mask_to_polygon(drawn)
            rle = mask_utils.merge(mask_utils.frPyObjects([poly], 96, 96))
            decoded = mask_utils.decode(rle).astype(bool)
            drawn = drawn.astype(bool)
            iou = (decoded & drawn).sum() / (decoded | drawn).sum()
            assert iou > 0.8


def test_deterministic_for_a_seed(root, tmp_path):
    same = make_tiny_coco(str(tmp_path / 'same'), num_train=6, num_val=3)
    for split in SPLITS:
        assert _load(same, split) == _load(root, split)
        names = sorted(os.listdir(osp.join(root, split)))
        _, mismatch, errors = filecmp.cmpfiles(
            osp.join(root, split), osp.join(same, split), names, shallow=False)
        assert not mismatch and not errors
    other = make_tiny_coco(
        str(tmp_path / 'other'), num_train=6, num_val=3, seed=1)
    assert _load(other, 'train2017') != _load(root, 'train2017')


def test_invalid_arguments(tmp_path):
    with pytest.raises(ValueError):
        make_tiny_coco(str(tmp_path), num_train=-1)
    with pytest.raises(ValueError):
        make_tiny_coco(str(tmp_path), max_objects=0)
    with pytest.raises(ValueError):
        make_tiny_coco(str(tmp_path), img_size=16)


def test_mmdet_coco_dataset_reads_it(root):
    datasets = pytest.importorskip('mmdet.datasets')
    coco = _load(root, 'val2017')
    dataset = datasets.CocoDataset(
        data_root=root,
        ann_file='annotations/instances_val2017.json',
        data_prefix=dict(img='val2017/'),
        metainfo=dict(classes=TINY_COCO_CLASSES),
        pipeline=[],
        test_mode=True)
    dataset.full_init()
    assert len(dataset) == len(coco['images'])
    assert dataset.metainfo['classes'] == TINY_COCO_CLASSES
    num_instances = 0
    for i in range(len(dataset)):
        info = dataset[i]
        assert osp.isfile(info['img_path'])
        assert info['img_path'].startswith(osp.join(root, 'val2017'))
        for instance in info['instances']:
            assert 0 <= instance['bbox_label'] < 3
            assert instance['ignore_flag'] == 0
            assert len(instance['mask'][0]) >= 6
        num_instances += len(info['instances'])
    assert num_instances == len(coco['annotations'])


def test_cli(tmp_path):
    out = tmp_path / 'cli'
    proc = subprocess.run([
        sys.executable, 'tools/dataset_converters/make_tiny_coco.py',
        str(out), '--num-train', '2', '--num-val', '1', '--img-size', '64',
        '--seed', '3'
    ],
                          cwd=REPO,
                          env=dict(os.environ, OMP_NUM_THREADS='1'),
                          capture_output=True,
                          text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(_load(str(out), 'train2017')['images']) == 2
    val = _load(str(out), 'val2017')
    assert len(val['images']) == 1 and val['images'][0]['width'] == 64
    assert len(os.listdir(out / 'val2017')) == 1
