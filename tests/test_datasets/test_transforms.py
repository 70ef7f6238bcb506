import numpy as np
import pytest
import torch
from data_utils import make_tiny_cifar  # noqa: E402
from mmengine.dataset import Compose  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

from mmkd.datasets import CIFAR100  # noqa: E402
from mmkd.datasets.transforms import RandomCrop  # noqa: E402
from mmkd.datasets.transforms import PackClsInputs, RandomRotation
from mmkd.registry import TRANSFORMS  # noqa: E402
from mmkd.structures import ClsDataSample  # noqa: E402

# transforms subclass mmcv.transforms.BaseTransform and RandomFlip is mmcv's.


def _image(h=32, w=32, c=3):
    return np.arange(
        h * w * c, dtype=np.int64).reshape(h, w, c).astype(np.uint8)


def test_random_crop_without_padding_is_a_window():
    img = np.random.RandomState(0).randint(0, 256, (10, 12, 3), np.uint8)
    crop = RandomCrop(crop_size=(4, 5))
    for _ in range(20):
        out = crop(dict(img=img.copy()))
        assert out['img'].shape == (4, 5, 3)
        assert out['img_shape'] == (4, 5)
        found = [(y, x) for y in range(7) for x in range(8)
                 if (img[y:y + 4, x:x + 5] == out['img']).all()]
        assert found


def test_random_crop_padding_values():
    img = np.full((32, 32, 3), 200, np.uint8)
    # a crop as large as the padded image shows the whole border
    out = RandomCrop(
        crop_size=40, padding=4, pad_val=(1, 2, 3))(dict(img=img))['img']
    assert out.shape == (40, 40, 3)
    np.testing.assert_array_equal(out[4:36, 4:36], img)
    np.testing.assert_array_equal(out[0, 0], [1, 2, 3])
    np.testing.assert_array_equal(out[39, 20], [1, 2, 3])
    np.testing.assert_array_equal(out[20, 3], [1, 2, 3])

    # (left, top, right, bottom) padding
    out = RandomCrop(
        crop_size=(3, 4),
        padding=(1, 2, 0, 0))(dict(img=np.ones((1, 3), np.uint8)))['img']
    np.testing.assert_array_equal(out,
                                  [[0, 0, 0, 0], [0, 0, 0, 0], [0, 1, 1, 1]])


def test_random_crop_cifar_offsets_cover_all_positions():
    np.random.seed(0)
    img = _image(32, 32, 1)
    padded = np.pad(img, ((4, 4), (4, 4), (0, 0)))
    crop = RandomCrop(crop_size=32, padding=4)
    offsets = set()
    for _ in range(400):
        out = crop(dict(img=img))['img']
        assert out.shape == (32, 32, 1)
        hits = [(y, x) for y in range(9) for x in range(9)
                if (padded[y:y + 32, x:x + 32] == out).all()]
        offsets.update(hits)
    assert offsets == {(y, x) for y in range(9) for x in range(9)}


@pytest.mark.parametrize('mode', ['edge', 'reflect', 'symmetric'])
def test_random_crop_padding_modes(mode):
    img = _image(6, 6, 2)
    out = RandomCrop(
        crop_size=10, padding=2, padding_mode=mode)(dict(img=img))['img']
    np.testing.assert_array_equal(
        out, np.pad(img, ((2, 2), (2, 2), (0, 0)), mode=mode))


def test_random_crop_grayscale_and_errors():
    out = RandomCrop(crop_size=8, padding=2)(dict(img=_image(8, 8, 1)[..., 0]))
    assert out['img'].shape == (8, 8)
    with pytest.raises(ValueError, match='smaller than crop_size'):
        RandomCrop(crop_size=33)(dict(img=_image()))
    with pytest.raises(ValueError, match='padding_mode'):
        RandomCrop(crop_size=32, padding=4, padding_mode='wrap-around')
    with pytest.raises(ValueError, match='padding'):
        RandomCrop(crop_size=32, padding=(1, 2, 3))
    with pytest.raises(ValueError, match='crop_size'):
        RandomCrop(crop_size=0)


def test_pack_cls_inputs():
    img = _image()
    flipped = img[:, ::-1]  # a view with a negative stride, as flips give
    packed = PackClsInputs()(
        dict(
            img=flipped,
            gt_label=7,
            sample_idx=3,
            img_id=3,
            img_shape=(32, 32),
            unrelated='x'))
    inputs, sample = packed['inputs'], packed['data_samples']
    assert isinstance(inputs, torch.Tensor)
    assert inputs.dtype == torch.uint8 and inputs.shape == (3, 32, 32)
    assert torch.equal(inputs,
                       torch.from_numpy(flipped.copy()).permute(2, 0, 1))
    assert isinstance(sample, ClsDataSample)
    assert torch.equal(sample.gt_label, torch.tensor([7]))
    assert sample.metainfo == dict(sample_idx=3, img_id=3, img_shape=(32, 32))

    gray = PackClsInputs(meta_keys=())(dict(img=_image(8, 8, 1)[..., 0]))
    assert gray['inputs'].shape == (1, 8, 8)
    assert 'gt_label' not in gray['data_samples']


def test_cifar_pipeline_builds_under_mmkd_scope(tmp_path):
    init_default_scope('mmkd')
    pipeline = [
        dict(type='RandomCrop', crop_size=32, padding=4),
        dict(type='RandomFlip', prob=0.5, direction='horizontal'),
        dict(type='PackClsInputs'),
    ]
    compose = Compose(pipeline)
    assert [type(t).__name__ for t in compose.transforms
            ] == ['RandomCrop', 'RandomFlip', 'PackClsInputs']
    root = make_tiny_cifar(tmp_path, num_classes=100, num_train=4, num_test=2)
    dataset = CIFAR100(data_root=root, split='train', pipeline=pipeline)
    for i in range(len(dataset)):
        packed = dataset[i]
        assert packed['inputs'].shape == (3, 32, 32)
        assert packed['inputs'].dtype == torch.uint8
        sample = packed['data_samples']
        assert sample.gt_label.item() == dataset.get_data_info(i)['gt_label']
        assert sample.flip in (True, False)
        assert sample.sample_idx == i

    # a certain flip mirrors the image
    flip = TRANSFORMS.build(
        dict(type='RandomFlip', prob=1.0, direction='horizontal'))
    img = _image()
    np.testing.assert_array_equal(flip(dict(img=img))['img'], img[:, ::-1])


def _bar():
    """9x9 image, one row of pixels from the centre to the right edge."""
    img = np.zeros((9, 9, 3), np.uint8)
    img[4, 4:] = 200
    return img


@pytest.mark.parametrize(
    'angle, cells',
    [
        (90, [(r, 4) for r in range(5)]),  # counter-clockwise: points up
        (-90, [(r, 4) for r in range(4, 9)]),  # clockwise: points down
        (0, [(4, c) for c in range(4, 9)]),
    ])
def test_random_rotation_turns_counter_clockwise_about_the_centre(
        angle, cells):
    out = RandomRotation((angle, angle))(dict(img=_bar()))['img']
    assert out.shape == (9, 9, 3) and out.dtype == np.uint8
    lit = sorted(map(tuple, np.argwhere(out[..., 0] > 0).tolist()))
    assert lit == cells
    assert set(np.unique(out).tolist()) == {0, 200}  # nearest: no blending


def test_random_rotation_draws_angles_within_degrees():
    np.random.seed(0)
    rotate = RandomRotation(15)
    img = _image()
    outs = [rotate(dict(img=img.copy()))['img'] for _ in range(20)]
    assert all(out.shape == img.shape for out in outs)
    assert len({out.tobytes() for out in outs}) > 10  # random angles
    # a 15-degree turn keeps the centre pixel and blanks no more than the
    # corners
    for out in outs:
        assert (out[16, 16] == img[16, 16]).all()
        assert (out == 0).all(axis=2).mean() < 0.2


def test_random_rotation_refuses_bad_arguments():
    with pytest.raises(ValueError, match='must be >= 0'):
        RandomRotation(-5)
    with pytest.raises(ValueError, match=r'\(min, max\) pair'):
        RandomRotation((10, -10))
    with pytest.raises(ValueError, match='interpolation'):
        RandomRotation(15, interpolation='cubic')
    assert TRANSFORMS.get('RandomRotation') is RandomRotation
