"""Sizes and sha256 checksums of a teacher cache's shard files: recorded
when a shard is written, checked when a cache is opened.

Sizes are checked at every open (a truncated file fails with its name, not
inside ``np.load``). Checksums are read in 1 MiB blocks, once per process
and cache build: dataloader workers receive a cache that the main process
has already verified.
"""
import hashlib
import os
import os.path as osp
from typing import Callable, Dict, Set, Tuple

_BLOCK = 1 << 20
#: (real path, build id) of the caches this process has verified
_VERIFIED: Set[Tuple[str, str]] = set()


def file_record(path: str) -> Dict[str, object]:
    """``size`` and ``sha256`` of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(_BLOCK), b''):
            digest.update(block)
    return dict(size=os.path.getsize(path), sha256=digest.hexdigest())


def check_sizes(cache_dir: str, files: Dict[str, Dict[str, dict]],
                error: Callable[[str], Exception]) -> None:
    """Every recorded file is there with its recorded size."""
    for shard, records in files.items():
        for name, record in records.items():
            path = osp.join(cache_dir, shard, name)
            if not osp.isfile(path):
                raise error(f'Teacher cache {cache_dir}: {path} is missing.')
            size = osp.getsize(path)
            if size != record['size']:
                raise error(
                    f'Teacher cache {cache_dir}: {path} is {size} bytes, the '
                    f'build wrote {record["size"]} (truncated or replaced '
                    'after the build).')


def verify_once(cache_dir: str, build_id: str, files: Dict[str, Dict[str,
                                                                     dict]],
                error: Callable[[str], Exception]) -> None:
    """Compare every file's sha256 with the build's, unless this process
    already did for this cache and build."""
    key = (osp.realpath(cache_dir), build_id)
    if key in _VERIFIED:
        return
    for shard, records in files.items():
        for name, record in records.items():
            path = osp.join(cache_dir, shard, name)
            if file_record(path)['sha256'] != record['sha256']:
                raise error(
                    f'Teacher cache {cache_dir}: the content of {path} does '
                    'not match the checksum its build recorded (the file was '
                    'changed after the build).')
    _VERIFIED.add(key)
