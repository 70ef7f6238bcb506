import io
import os
import os.path as osp
import pickle
import tarfile

import numpy as np
import pytest
from data_utils import (CIFAR10_CLASSES, CIFAR100_CLASSES, make_tiny_cifar,
                        tiny_cifar_arrays, write_py2_pickle)

from mmkd.datasets import CIFAR10, CIFAR100
from mmkd.datasets.cifar import load_cifar_pickle
from mmkd.registry import DATASETS


def _check_split(dataset, images, labels):
    assert len(dataset) == len(labels)
    for i in range(len(labels)):
        info = dataset[i]
        assert info['img'].dtype == np.uint8
        assert info['img'].shape == (32, 32, 3)
        np.testing.assert_array_equal(info['img'], images[i])
        assert info['gt_label'] == labels[i]
        assert isinstance(info['gt_label'], int)
        assert info['sample_idx'] == i
        assert info['img_id'] == i


def test_cifar100_round_trip(tmp_path):
    root = make_tiny_cifar(
        tmp_path, num_classes=100, num_train=30, num_test=12)
    arrays = tiny_cifar_arrays(100, num_train=30, num_test=12)
    for split in ('train', 'test'):
        dataset = CIFAR100(data_root=root, split=split)
        _check_split(dataset, *arrays[split])
        assert dataset.metainfo['classes'] == CIFAR100_CLASSES


def test_cifar10_reads_all_five_batches(tmp_path):
    root = make_tiny_cifar(
        tmp_path, num_classes=10, num_train=23, num_test=7, seed=3)
    arrays = tiny_cifar_arrays(10, num_train=23, num_test=7, seed=3)
    train = CIFAR10(data_root=root)  # split defaults to 'train'
    _check_split(train, *arrays['train'])
    _check_split(CIFAR10(data_root=root, split='test'), *arrays['test'])
    assert train.metainfo['classes'] == CIFAR10_CLASSES


def test_pixel_layout(tmp_path):
    """Rows hold the R, G, B planes, each row-major: check each lands at
    the right (y, x, channel)."""
    folder = tmp_path / 'cifar-100-python'
    folder.mkdir()
    row = np.zeros((1, 3072), dtype=np.uint8)
    row[0, 0 * 1024 + 2 * 32 + 5] = 11  # R at y=2, x=5
    row[0, 1 * 1024 + 2 * 32 + 5] = 22  # G at y=2, x=5
    row[0, 2 * 1024 + 31 * 32 + 0] = 33  # B at y=31, x=0
    row[0, 0 * 1024 + 0 * 32 + 31] = 44  # R at y=0, x=31
    write_py2_pickle(
        str(folder / 'test'),
        dict(
            filenames=['a.png'],
            batch_label='testing batch 1 of 1',
            fine_labels=[7],
            coarse_labels=[1],
            data=row))
    write_py2_pickle(
        str(folder / 'meta'),
        dict(
            fine_label_names=list(CIFAR100_CLASSES),
            coarse_label_names=['c'] * 20))
    img = CIFAR100(data_root=str(tmp_path), split='test')[0]['img']
    assert img[2, 5, 0] == 11 and img[2, 5, 1] == 22
    assert img[31, 0, 2] == 33 and img[0, 31, 0] == 44
    assert int(img.sum()) == 11 + 22 + 33 + 44


def test_data_root_may_be_the_extracted_folder(tmp_path):
    make_tiny_cifar(tmp_path, num_classes=100, num_train=5, num_test=4)
    dataset = CIFAR100(
        data_root=str(tmp_path / 'cifar-100-python'), split='test')
    assert len(dataset) == 4


def test_python3_pickles_with_bytes_keys(tmp_path):
    """Files re-saved by Python 3 (bytes via _codecs.encode) load too."""
    folder = tmp_path / 'cifar-10-batches-py'
    folder.mkdir()
    images, labels = tiny_cifar_arrays(10, num_train=5, num_test=3)['test']
    rows = images.transpose(0, 3, 1, 2).reshape(3, -1)
    for name in ['test_batch', 'batches.meta']:
        content = ({
            b'data': rows,
            b'labels': labels
        } if name == 'test_batch' else {
            b'label_names': [c.encode() for c in CIFAR10_CLASSES]
        })
        with open(folder / name, 'wb') as f:
            pickle.dump(content, f, protocol=2)
    dataset = CIFAR10(data_root=str(tmp_path), split='test')
    _check_split(dataset, images, labels)
    assert dataset.metainfo['classes'] == CIFAR10_CLASSES


def test_extracts_official_archive(tmp_path):
    root = make_tiny_cifar(
        tmp_path, num_classes=10, num_train=10, num_test=5, archive=True)
    assert os.listdir(root) == ['cifar-10-python.tar.gz']
    dataset = CIFAR10(data_root=root, split='test')
    _check_split(dataset, *tiny_cifar_arrays(10, 10, 5)['test'])
    assert sorted(
        os.listdir(root)) == ['cifar-10-batches-py', 'cifar-10-python.tar.gz']
    # the extracted folder is used from now on
    assert len(CIFAR10(data_root=root, split='train')) == 10


@pytest.mark.parametrize('has_data_filter', [True, False])
def test_unsafe_archive_is_refused(tmp_path, monkeypatch, has_data_filter):
    if not has_data_filter:  # the check used on Pythons without filter=
        monkeypatch.delattr(tarfile, 'data_filter', raising=False)
    root = tmp_path / 'root'
    root.mkdir()
    payload = b'gotcha'
    with tarfile.open(root / 'cifar-100-python.tar.gz', 'w:gz') as tar:
        member = tarfile.TarInfo('../evil.txt')
        member.size = len(payload)
        tar.addfile(member, io.BytesIO(payload))
    with pytest.raises(RuntimeError, match='Refusing to extract'):
        CIFAR100(data_root=str(root))
    assert not (tmp_path / 'evil.txt').exists()
    assert os.listdir(root) == ['cifar-100-python.tar.gz']


def test_missing_data_root_explains_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        CIFAR10(data_root=str(tmp_path / 'nowhere'))
    message = str(info.value)
    assert osp.join(str(tmp_path / 'nowhere'),
                    'cifar-10-batches-py') in message
    assert 'cifar-10-python.tar.gz' in message
    assert 'https://www.cs.toronto.edu/~kriz/cifar.html' in message

    with pytest.raises(FileNotFoundError, match='cifar-100-python'):
        CIFAR100(data_root=str(tmp_path), split='test')


def test_incomplete_folder_names_missing_files(tmp_path):
    make_tiny_cifar(tmp_path, num_classes=10, num_train=5, num_test=2)
    os.remove(tmp_path / 'cifar-10-batches-py' / 'data_batch_4')
    assert len(CIFAR10(data_root=str(tmp_path), split='test')) == 2
    with pytest.raises(FileNotFoundError, match='lacks data_batch_4'):
        CIFAR10(data_root=str(tmp_path), split='train')


class _Exploit:

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def test_malicious_pickle_is_refused_and_not_run(tmp_path):
    make_tiny_cifar(tmp_path, num_classes=100, num_train=5, num_test=2)
    marker = tmp_path / 'pwned'
    path = tmp_path / 'cifar-100-python' / 'test'
    with open(path, 'wb') as f:
        pickle.dump({
            'data': _Exploit(marker),
            'fine_labels': [0]
        },
                    f,
                    protocol=2)
    with pytest.raises(pickle.UnpicklingError) as info:
        CIFAR100(data_root=str(tmp_path), split='test')
    assert str(path) in str(info.value)
    assert f'{os.system.__module__}.system' in str(info.value)
    assert not marker.exists()


def test_codecs_encode_only_latin1(tmp_path):
    path = str(tmp_path / 'bad')
    # a hand-written protocol-2 pickle calling _codecs.encode('x', 'rot13')
    with open(path, 'wb') as f:
        f.write(b'\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00xX\x05\x00\x00'
                b'\x00rot13\x86R.')
    with pytest.raises(pickle.UnpicklingError, match='rot13'):
        load_cifar_pickle(path)


def test_label_out_of_range(tmp_path):
    make_tiny_cifar(tmp_path, num_classes=10, num_train=5, num_test=2)
    write_py2_pickle(
        str(tmp_path / 'cifar-10-batches-py' / 'test_batch'),
        dict(labels=[3, 10], data=np.zeros((2, 3072), np.uint8)))
    with pytest.raises(ValueError, match='label 10'):
        CIFAR10(data_root=str(tmp_path), split='test')


def test_bad_split(tmp_path):
    with pytest.raises(ValueError, match="'val'"):
        CIFAR10(data_root=str(tmp_path), split='val')


def test_build_from_registry_and_lazy_init(tmp_path):
    root = make_tiny_cifar(tmp_path, num_classes=100, num_train=5, num_test=3)
    # mmkd's scope, whatever default scope an earlier test left
    dataset = DATASETS.build(
        dict(
            type='CIFAR100',
            _scope_='mmkd',
            data_root=root,
            split='test',
            lazy_init=True))
    assert 'not loaded' in repr(dataset)
    dataset.full_init()
    assert len(dataset) == 3
    assert dataset.metainfo['classes'] == CIFAR100_CLASSES
    subset = CIFAR100(data_root=root, split='train', indices=2)
    assert len(subset) == 2


def test_truncated_batch_file_is_named(tmp_path):
    root = make_tiny_cifar(str(tmp_path), num_train=8, num_test=4)
    path = osp.join(root, 'cifar-100-python', 'train')
    with open(path, 'rb') as f:
        data = f.read()
    with open(path, 'wb') as f:
        f.write(data[:len(data) // 2])
    dataset = CIFAR100(data_root=root, split='train', lazy_init=True)
    with pytest.raises(ValueError) as info:
        dataset.full_init()
    assert f'{path} is not a readable CIFAR file' in str(info.value)


def test_truncated_archive_is_named(tmp_path):
    root = make_tiny_cifar(
        str(tmp_path), num_train=8, num_test=4, archive=True)
    archive = osp.join(root, 'cifar-100-python.tar.gz')
    with open(archive, 'rb') as f:
        data = f.read()
    with open(archive, 'wb') as f:
        f.write(data[:len(data) // 2])
    dataset = CIFAR100(data_root=root, split='train', lazy_init=True)
    with pytest.raises(RuntimeError) as info:
        dataset.full_init()
    assert f'Cannot extract {archive}' in str(info.value)
