"""On-disk format of the teacher output cache: numpy ``.npy`` shards that
memory-map, one per rank of the build, and a JSON header.

::

    DIR/header.json                  the spec, fingerprints, shard list and
                                     each file's size and sha256; written
                                     last (no header: no cache)
    DIR/shard-00001-of-00002/        rank r of w holds samples r, r+w, ...
        meta.json                    the shard's build id (written last)
        sample_idx.npy   (n,)        int64    dataset index of each row
        image_hash.npy   (n,)        uint64   hash of the image before the draw
        params.npy       (n, K)      one structured field per random parameter
        topk_logits.npy  (n, K, k)   float16  the teacher's k largest logits
        topk_classes.npy (n, K, k)   int16 (int32 beyond 32767 classes)
        tail_mass.npy    (n, K)      float32  softmax(logits/tau) outside top k

Sample ``i`` is row ``i // w`` of shard ``i % w``. Opening a cache checks
every file's size, and its sha256 once per process (``integrity``).
Readers open the arrays with ``np.load(mmap_mode='r')``, once per process
(dataloader workers map the same pages).
"""
import json
import os
import os.path as osp
import shutil
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from . import integrity
from .hint import rebuild_command, rebuild_hint

#: 2: every shard file's size and sha256 in the header
#: 3: a teacher whose own preprocessor normalises differently from the
#: algorithm's sees its inputs renormalised (older caches fed it the
#: algorithm's normalisation)
FORMAT_VERSION = 3
HEADER = 'header.json'
SHARD_META = 'meta.json'
ARRAYS = ('sample_idx', 'image_hash', 'params', 'topk_logits', 'topk_classes',
          'tail_mass')

#: what each fingerprint covers, for messages
FINGERPRINT_NAMES = {
    'teacher': 'the teacher checkpoint (model.teacher_ckpt)',
    'pipeline': 'the training pipeline or the data preprocessor',
    'dataset': 'the training data set config',
}


class TeacherCacheError(ValueError):
    """A cache that is missing, incomplete, damaged, or built from something
    else than what training uses now.

    A set-up error wherever it is raised (``setup_error``): the tools print
    its message without the traceback.
    """

    setup_error = True


def shard_name(rank: int, world_size: int) -> str:
    return f'shard-{rank:05d}-of-{world_size:05d}'


def shard_samples(num_samples: int, rank: int, world_size: int) -> np.ndarray:
    """The dataset indices rank ``rank`` of ``world_size`` handles."""
    return np.arange(rank, num_samples, world_size, dtype=np.int64)


def class_dtype(num_classes: int) -> str:
    return 'int16' if num_classes <= np.iinfo(np.int16).max + 1 else 'int32'


def _write_json(path: str, content: dict) -> None:
    tmp = f'{path}.tmp{os.getpid()}'
    with open(tmp, 'w') as f:
        json.dump(content, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


def _read_json(path: str) -> dict:
    with open(path) as f:
        return json.load(f)


def read_header(cache_dir: str, config: Optional[str] = None) -> dict:
    """The header of the cache in ``cache_dir`` (a clear error if there is
    none, e.g. a build that did not finish)."""
    path = osp.join(cache_dir, HEADER)
    if not osp.isfile(path):
        raise TeacherCacheError(
            f'No teacher cache in {cache_dir} ({HEADER} is missing: never '
            'built, or its build did not finish). Build it with:\n    ' +
            rebuild_command(cache_dir, None, config))
    header = _read_json(path)
    if header.get('version') != FORMAT_VERSION:
        raise TeacherCacheError(
            f'Teacher cache {cache_dir} has format version '
            f'{header.get("version")}, this mmkd reads {FORMAT_VERSION}. ' +
            rebuild_hint(cache_dir, header, config))
    return header


def fingerprint_changes(built: dict, now: dict) -> List[str]:
    """Names of the fingerprints in ``now`` that differ from ``built``."""
    return [
        key for key, value in now.items()
        if value is not None and built.get(key) != value
    ]


def mismatch_error(
        cache_dir: str,
        header: dict,
        now: dict,
        config: Optional[str] = None,
        details: Optional[Dict[str, str]] = None,
        teacher_ckpt: Optional[str] = None) -> Optional[TeacherCacheError]:
    """The error to raise when the fingerprints ``now`` differ from the
    cache's, naming what changed; None when they agree."""
    changed = fingerprint_changes(header['fingerprints'], now)
    if not changed:
        return None
    details = details or {}
    lines = []
    for key in changed:
        built = header['fingerprints'].get(key)
        line = (f'- {FINGERPRINT_NAMES.get(key, key)} changed (cache '
                f'{str(built)[:12]}..., config {str(now[key])[:12]}...)')
        if details.get(key):
            line += f': {details[key]}'
        lines.append(line)
    return TeacherCacheError(
        f'Teacher cache {cache_dir} does not match this config:\n' +
        '\n'.join(lines) + '\n' +
        rebuild_hint(cache_dir, header, config, teacher_ckpt))


class ShardWriter:
    """Writes one rank's shard into a private folder, moved into place by
    :meth:`commit` (a crashed build leaves no shard that looks complete).

    Args:
        cache_dir (str): The cache folder.
        spec (dict): ``num_samples``, ``num_classes``, ``draws``, ``topk``,
            ``value_dtype``, ``param_fields`` and ``build_id``.
        rank (int): This shard's rank.
        world_size (int): Number of shards.
    """

    def __init__(self, cache_dir: str, spec: dict, rank: int,
                 world_size: int) -> None:
        self.spec = spec
        self.name = shard_name(rank, world_size)
        self.final = osp.join(cache_dir, self.name)
        self.tmp = osp.join(cache_dir, f'.{self.name}.tmp{os.getpid()}')
        shutil.rmtree(self.tmp, ignore_errors=True)
        os.makedirs(self.tmp)
        self.sample_idx = shard_samples(spec['num_samples'], rank, world_size)
        rows, draws, topk = len(self.sample_idx), spec['draws'], spec['topk']
        shapes = dict(
            sample_idx=((rows, ), np.int64),
            image_hash=((rows, ), np.uint64),
            params=((rows, draws),
                    np.dtype([tuple(f) for f in spec['param_fields']])),
            topk_logits=((rows, draws, topk), np.dtype(spec['value_dtype'])),
            topk_classes=((rows, draws, topk),
                          np.dtype(class_dtype(spec['num_classes']))),
            tail_mass=((rows, draws), np.float32))
        self.arrays = {
            name:
            np.lib.format.open_memmap(
                osp.join(self.tmp, f'{name}.npy'),
                mode='w+',
                dtype=dtype,
                shape=shape)
            for name, (shape, dtype) in shapes.items()
        }
        self.arrays['sample_idx'][:] = self.sample_idx

    def write(self, rows: Sequence[int], draws: Sequence[int],
              image_hash: Sequence[int], params: Sequence[dict],
              logits: np.ndarray, classes: np.ndarray,
              tail_mass: np.ndarray) -> None:
        """Store draws ``draws[j]`` of shard rows ``rows[j]``."""
        rows, draws = np.asarray(rows), np.asarray(draws)
        self.arrays['image_hash'][rows] = np.asarray(
            image_hash, dtype=np.uint64)
        records = self.arrays['params']
        for field in records.dtype.names:
            records[field][rows, draws] = [values[field] for values in params]
        self.arrays['topk_logits'][rows, draws] = logits
        self.arrays['topk_classes'][rows, draws] = classes
        self.arrays['tail_mass'][rows, draws] = tail_mass

    def commit(self) -> None:
        for array in self.arrays.values():
            array.flush()
        self.arrays.clear()
        files = {
            f'{name}.npy':
            integrity.file_record(osp.join(self.tmp, f'{name}.npy'))
            for name in ARRAYS
        }
        _write_json(
            osp.join(self.tmp, SHARD_META),
            dict(
                build_id=self.spec['build_id'],
                num_rows=len(self.sample_idx),
                files=files))
        shutil.rmtree(self.final, ignore_errors=True)
        os.replace(self.tmp, self.final)


def finalize(cache_dir: str, header: dict) -> None:
    """Check that every shard of this build is there, drop the shards of
    older builds and write the header (which makes the cache readable)."""
    shards = [
        shard_name(r, header['world_size'])
        for r in range(header['world_size'])
    ]
    files = {}
    for name in shards:
        meta = osp.join(cache_dir, name, SHARD_META)
        content = _read_json(meta) if osp.isfile(meta) else {}
        if content.get('build_id') != header['build_id']:
            raise TeacherCacheError(
                f'Teacher cache {cache_dir}: shard {name} of this build is '
                'missing or incomplete (did a rank fail?).')
        files[name] = content['files']
    for entry in os.listdir(cache_dir):
        if entry.startswith('shard-') and entry not in shards:
            shutil.rmtree(osp.join(cache_dir, entry), ignore_errors=True)
    _write_json(
        osp.join(cache_dir, HEADER), dict(header, shards=shards, files=files))


class TeacherCache:
    """Read-only view of a built cache; the arrays are memory-mapped on
    first use in each process (so it pickles into dataloader workers).

    Opening it checks that every shard belongs to the build, that every
    file has the size the build wrote, and (once per process and build)
    every file's sha256.

    Args:
        cache_dir (str): The cache folder.
    """

    def __init__(self, cache_dir: str) -> None:
        self.cache_dir = cache_dir
        self.header = read_header(cache_dir)
        self.world_size = self.header['world_size']
        for name in self.header['shards']:
            meta = osp.join(cache_dir, name, SHARD_META)
            if not osp.isfile(meta) or \
                    _read_json(meta)['build_id'] != self.header['build_id']:
                raise TeacherCacheError(
                    f'Teacher cache {cache_dir}: shard {name} is missing or '
                    'belongs to another build. ' + self.hint())
        files = self.header['files']

        def damaged(message: str) -> TeacherCacheError:
            return TeacherCacheError(f'{message} {self.hint()}')

        integrity.check_sizes(cache_dir, files, damaged)
        integrity.verify_once(cache_dir, self.header['build_id'], files,
                              damaged)
        self._shards: Optional[List[Dict[str, np.ndarray]]] = None
        self._pid = None

    def hint(self,
             config: Optional[str] = None,
             teacher_ckpt: Optional[str] = None) -> str:
        """The command that rebuilds this cache."""
        return rebuild_hint(self.cache_dir, self.header, config, teacher_ckpt)

    @property
    def num_samples(self) -> int:
        return self.header['num_samples']

    @property
    def draws(self) -> int:
        return self.header['draws']

    @property
    def topk(self) -> int:
        return self.header['topk']

    @property
    def tau(self) -> float:
        return self.header['tau']

    @property
    def fingerprints(self) -> Dict[str, str]:
        return dict(self.header['fingerprints'])

    def check_param_fields(self, fields: Sequence[Tuple[str, str]]) -> None:
        """The replaying transforms record what the cache stores."""
        stored = [tuple(f) for f in self.header['param_fields']]
        if stored != [tuple(f) for f in fields]:
            raise TeacherCacheError(
                f'Teacher cache {self.cache_dir} stores the random '
                f'parameters {[f[0] for f in stored]}, the pipeline replays '
                f'{[f[0] for f in fields]}. ' + self.hint())

    def shards(self) -> List[Dict[str, np.ndarray]]:
        """Every shard's arrays, memory-mapped read-only."""
        if self._shards is None or self._pid != os.getpid():
            self._shards = [{
                name:
                self._map(osp.join(self.cache_dir, shard, f'{name}.npy'))
                for name in ARRAYS
            } for shard in self.header['shards']]
            self._pid = os.getpid()
        return self._shards

    def _map(self, path: str) -> np.ndarray:
        try:
            return np.load(path, mmap_mode='r')
        except (OSError, ValueError) as err:
            raise TeacherCacheError(
                f'Teacher cache {self.cache_dir}: cannot map {path} ({err}). '
                + self.hint()) from None

    def lookup(self, sample_idx: int, draw: int) -> dict:
        """Draw ``draw`` of sample ``sample_idx``: ``params`` (dict),
        ``image_hash``, ``logits``, ``classes`` (``(k, )`` arrays) and
        ``tail_mass`` (float)."""
        if not 0 <= sample_idx < self.num_samples:
            raise TeacherCacheError(
                f'Teacher cache {self.cache_dir} holds '
                f'{self.num_samples} samples; sample {sample_idx} is not '
                'one of them (another data set?). ' + self.hint())
        shard = self.shards()[sample_idx % self.world_size]
        row = sample_idx // self.world_size
        record = shard['params'][row, draw]
        return dict(
            params={name: record[name].item()
                    for name in record.dtype.names},
            image_hash=int(shard['image_hash'][row]),
            logits=np.asarray(shard['topk_logits'][row, draw]),
            classes=np.asarray(shard['topk_classes'][row, draw]),
            tail_mass=float(shard['tail_mass'][row, draw]))

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state['_shards'] = None  # each process maps the files itself
        return state
