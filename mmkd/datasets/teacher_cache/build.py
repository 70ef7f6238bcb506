"""Building the teacher output cache: every training sample, ``K``
augmentation draws each, through the teacher once.

Draw ``d`` of sample ``i`` seeds numpy's (and ``random``'s) global
generator from ``(seed, i, d)`` before the pipeline runs, so the cache is
the same whatever the number of ranks, workers or the batch size.
"""
import copy
import datetime
import os
import os.path as osp
import random
import time
import uuid
from typing import Callable, List, Optional

import numpy as np
import torch
import torch.distributed as torch_dist
from torch.utils.data import DataLoader, Dataset

from mmkd.models.algorithms.builder import build_network
from mmkd.models.algorithms.input_normalization import (
    InputRenormalizer, declared_normalization, preprocessor_normalization)
from mmkd.models.teacher import FrozenTeacher
from mmkd.registry import DATASETS, MODELS
from . import storage
from .fingerprint import (canonical, checkpoint_fingerprint, config_parts,
                          find_replay, plain, preprocessor_cfg, sha256_of,
                          state_dict_fingerprint, teacher_of,
                          train_dataset_cfg)

#: mean tail mass above which the builder advises a larger top k
LARGE_TAIL = 0.1


def tail_note(mean_tail: float, topk: int, num_classes: int,
              tau: float) -> str:
    """What the mean tail mass means, for the build's log."""
    if topk >= num_classes:
        return (f'All {num_classes} classes are kept (tail mass 0): the '
                'stored soft labels are exact.')
    note = (f'Mean tail mass {mean_tail:.4f}: on average {100 * mean_tail:.1f}'
            f'% of the teacher\'s softened distribution (softmax(logits / '
            f'{tau:g})) falls outside the {topk} stored classes. '
            "CachedKDLoss (tail='uniform') spreads it evenly over the other "
            f'{num_classes - topk} classes, so that share of the soft label '
            'carries no class information.')
    if mean_tail > LARGE_TAIL:
        note += (f' It is large (over {LARGE_TAIL:.0%}): rebuild with a '
                 'larger --topk (at most the number of classes) to keep '
                 'more of what the teacher says.')
    return note


def loss_tau(cfg, default: float = 4.0) -> float:
    """The ``tau`` of the config's ``CachedKDLoss`` (the temperature the
    cache stores the mass outside the top k at), or ``default``."""
    distiller = cfg.model.get('distiller') or {}
    for loss in (distiller.get('distill_losses') or {}).values():
        if isinstance(loss, dict) and loss.get('type') == 'CachedKDLoss':
            return float(loss.get('tau', default))
    return default


class _Group:
    """This process's rank, and the collectives of a started process group
    (none when ranks are given by hand, e.g. simulated in tests)."""

    def __init__(self, rank: Optional[int], world_size: Optional[int]):
        self.distributed = rank is None and torch_dist.is_available() and \
            torch_dist.is_initialized()
        if self.distributed:
            rank, world_size = torch_dist.get_rank(), \
                torch_dist.get_world_size()
        self.rank, self.world_size = rank or 0, world_size or 1
        if not 0 <= self.rank < self.world_size:
            raise ValueError(f'rank {self.rank} is not in [0, '
                             f'{self.world_size}).')

    def barrier(self) -> None:
        if self.distributed:
            torch_dist.barrier()

    def broadcast(self, obj):
        if not self.distributed:
            return obj
        box = [obj]
        torch_dist.broadcast_object_list(box, src=0)
        return box[0]


class _Draws(Dataset):
    """Item ``j``: draw ``j % K`` of the shard's sample ``j // K``."""

    def __init__(self, dataset, samples: np.ndarray, draws: int,
                 seed: int) -> None:
        self.dataset, self.samples = dataset, samples
        self.draws, self.seed = draws, seed

    def __len__(self) -> int:
        return len(self.samples) * self.draws

    def __getitem__(self, j: int):
        row, draw = divmod(j, self.draws)
        index = int(self.samples[row])
        np.random.seed([self.seed, index, draw])
        random.seed(f'{self.seed}/{index}/{draw}')
        data = self.dataset[index]
        meta = data['data_samples'].metainfo
        if meta.get('sample_idx', index) != index:
            raise ValueError(
                f'Sample {index} came back as sample_idx '
                f'{meta["sample_idx"]}: the teacher cache needs a data set '
                'whose items are its sample indices.')
        return row, draw, data


def _as_list(batch):
    return batch


def _progress(log: Callable, rank: int, world: int, done: int, total: int,
              start: float) -> None:
    elapsed = time.perf_counter() - start
    rate = done / max(elapsed, 1e-9)
    eta = (total - done) / max(rate, 1e-9)
    log(f'[rank {rank}/{world}] {done}/{total} draws '
        f'({100 * done / max(total, 1):.0f}%), {rate:.0f} draws/s, '
        f'{elapsed:.0f}s elapsed, ETA {eta:.0f}s')


def _build_teacher(cfg, seed: int):
    teacher_cfg, ckpt, optional = teacher_of(cfg)
    torch.manual_seed(seed)  # the same untrained teacher on every rank
    frozen = FrozenTeacher(
        build_network(teacher_cfg, 'teacher'),
        ckpt=ckpt,
        ckpt_optional=optional)
    if ckpt is not None:
        fingerprint = checkpoint_fingerprint(ckpt)
    else:
        fingerprint = 'untrained:' + state_dict_fingerprint(
            frozen.model.state_dict())
    return frozen.model, fingerprint, teacher_cfg, ckpt


def _record_dataset(cfg):
    dataset_cfg = copy.deepcopy(train_dataset_cfg(cfg))
    index, _ = find_replay(dataset_cfg.pipeline)
    dataset_cfg.pipeline[index]['cache_dir'] = None  # record mode
    return DATASETS.build(dataset_cfg)


def _up_to_date(out_dir: str, settings: dict, log: Callable) -> bool:
    try:
        header = storage.TeacherCache(out_dir).header
    except (storage.TeacherCacheError, OSError, ValueError, KeyError):
        return False
    differ = [k for k, v in settings.items() if header.get(k) != v]
    if differ:
        log(f'Rebuilding the teacher cache in {out_dir}: '
            f'{", ".join(differ)} changed.')
        return False
    return True


def build_teacher_cache(cfg,
                        out_dir: Optional[str] = None,
                        draws: int = 10,
                        topk: int = 10,
                        tau: Optional[float] = None,
                        batch_size: Optional[int] = None,
                        workers: int = 0,
                        seed: int = 0,
                        value_dtype: str = 'float16',
                        force: bool = False,
                        config_path: Optional[str] = None,
                        cfg_options: Optional[dict] = None,
                        device: Optional[str] = None,
                        rank: Optional[int] = None,
                        world_size: Optional[int] = None,
                        build_id: Optional[str] = None,
                        log: Callable[[str], None] = print) -> dict:
    """Build (this rank's shard of) the teacher output cache of ``cfg``.

    Under a started process group each rank writes its shard
    (``sample % world_size == rank``) and rank 0 writes the header once all
    are there. ``rank``/``world_size``/``build_id`` given by hand build one
    shard without a process group (rank 0, run last, finalizes).

    Args:
        cfg (Config): A teacher-cache training config (``model.teacher``,
            ``model.teacher_ckpt``, a ``TeacherCacheReplay`` step in the
            training pipeline).
        out_dir (str, optional): Where to write; defaults to the replay
            step's ``cache_dir``.
        draws (int): Augmentation draws per sample (``K``). Defaults to 10.
        topk (int): Logits kept per draw (at most the number of classes).
            Defaults to 10.
        tau (float, optional): Temperature of the stored tail mass;
            defaults to the config's ``CachedKDLoss`` tau (else 4).
        batch_size (int, optional): Teacher batch; defaults to the
            training batch size.
        workers (int): Data loading processes. Defaults to 0.
        seed (int): Seed of the draws. Defaults to 0.
        value_dtype (str): ``'float16'`` or ``'float32'`` logits.
            Defaults to ``'float16'``.
        force (bool): Rebuild even if an up-to-date cache is there.
        config_path (str, optional): Recorded in the header, for the
            rebuild command that messages print.
        cfg_options (dict, optional): The ``--cfg-options`` already merged
            into ``cfg``; recorded for the rebuild command.
        device (str, optional): Teacher device; defaults to this rank's GPU
            or the CPU.
        rank, world_size, build_id: Simulated ranks (see above).
        log (callable): Where progress goes. Defaults to ``print``.

    Returns:
        dict: The header (rank 0) or this shard's spec (other ranks).
    """
    group = _Group(rank, world_size)
    out_dir = out_dir or find_replay(
        train_dataset_cfg(cfg).pipeline)[1].get('cache_dir')
    if not out_dir:
        raise ValueError('Give --out DIR (the config has no cache_dir).')
    if value_dtype not in ('float16', 'float32'):
        raise ValueError(f'value_dtype must be float16 or float32, got '
                         f'{value_dtype!r}.')
    if draws < 1 or topk < 1:
        raise ValueError(f'draws and topk must be >= 1, got {draws}, {topk}.')
    tau = float(loss_tau(cfg) if tau is None else tau)
    if device is None:
        device = f'cuda:{int(os.environ.get("LOCAL_RANK", 0))}' \
            if torch.cuda.is_available() else 'cpu'

    teacher, teacher_fp, teacher_cfg, ckpt = _build_teacher(cfg, seed)
    parts = config_parts(cfg)
    fingerprints = dict(
        teacher=teacher_fp, **{
            k: sha256_of(v)
            for k, v in parts.items()
        })
    dataset = _record_dataset(cfg)
    replay = next(
        t for t in dataset.pipeline.transforms
        if type(t).__name__ == 'TeacherCacheReplay')
    settings = dict(
        version=storage.FORMAT_VERSION,
        num_samples=len(dataset),
        draws=draws,
        requested_topk=topk,
        tau=tau,
        value_dtype=value_dtype,
        seed=seed,
        param_fields=[list(f) for f in replay.param_fields],
        fingerprints=fingerprints)
    current = not force and _up_to_date(out_dir, settings, log)
    if group.broadcast(current):
        log(f'The teacher cache in {out_dir} is up to date (--force '
            'rebuilds it).')
        return storage.read_header(out_dir)

    os.makedirs(out_dir, exist_ok=True)
    if group.rank == 0 and osp.exists(osp.join(out_dir, storage.HEADER)):
        os.remove(osp.join(out_dir, storage.HEADER))  # stale from now on
    build_id = group.broadcast(build_id or uuid.uuid4().hex)
    group.barrier()

    preprocessor = MODELS.build(preprocessor_cfg(cfg)).to(device)
    teacher.to(device).eval()
    # the teacher sees the batch as its own preprocessor normalises it, as
    # in a live SingleTeacherDistill step
    to_teacher = InputRenormalizer(
        preprocessor_normalization(preprocessor),
        declared_normalization(teacher), 'teacher')

    def run_teacher(items) -> torch.Tensor:
        data = preprocessor(
            dict(
                inputs=[x['inputs'] for x in items],
                data_samples=[x['data_samples'] for x in items]), False)
        with torch.no_grad():
            logits = teacher(
                to_teacher(data['inputs']),
                data['data_samples'],
                mode='tensor')
        if not isinstance(logits, torch.Tensor) or logits.dim() != 2 or \
                logits.shape[0] != len(items):
            raise TypeError(
                "The teacher's 'tensor' mode must return (N, C) logits for "
                'the teacher cache, got '
                f'{getattr(logits, "shape", type(logits).__name__)}.')
        return logits.float()

    samples = storage.shard_samples(len(dataset), group.rank, group.world_size)
    draw_set = _Draws(dataset, samples, draws, seed)
    num_classes = run_teacher([_Draws(dataset, [0], 1, seed)[0][2]]).shape[1]
    spec = dict(
        settings,
        num_classes=num_classes,
        topk=min(topk, num_classes),
        build_id=build_id)
    writer = storage.ShardWriter(out_dir, spec, group.rank, group.world_size)
    loader = DataLoader(
        draw_set,
        batch_size=batch_size or cfg.train_dataloader.get('batch_size', 64),
        num_workers=workers,
        collate_fn=_as_list)
    total, done, start = len(draw_set), 0, time.perf_counter()
    every, tail_sum, last_log = max(1, len(loader) // 20), 0.0, 0.0
    log(f'[rank {group.rank}/{group.world_size}] {len(samples)} samples x '
        f'{draws} draws through the teacher, batch {loader.batch_size}, '
        f'on {device}')
    for step, batch in enumerate(loader):
        rows, draw_ids, items = zip(*batch)
        logits = run_teacher(items)
        values, classes = logits.topk(spec['topk'], dim=1)
        probs = torch.softmax(logits.double() / tau, dim=1)
        tail = probs.scatter(1, classes, 0.0).sum(1)
        tail_sum += float(tail.sum())
        metas = [x['data_samples'].metainfo for x in items]
        writer.write(rows, draw_ids, [m['cache_image_hash'] for m in metas],
                     [m['aug_params'] for m in metas],
                     values.cpu().numpy().astype(value_dtype),
                     classes.cpu().numpy(),
                     tail.float().cpu().numpy())
        done += len(items)
        now = time.perf_counter()
        if done == total or ((step + 1) % every == 0 and now - last_log > 5):
            _progress(log, group.rank, group.world_size, done, total, start)
            last_log = now
    writer.commit()
    log(f'[rank {group.rank}/{group.world_size}] shard written. ' +
        tail_note(tail_sum / max(done, 1), spec['topk'], num_classes, tau))
    group.barrier()
    if group.rank != 0:
        return spec
    header = dict(
        spec,
        world_size=group.world_size,
        class_dtype=storage.class_dtype(num_classes),
        built_from=dict(
            config=config_path,
            teacher=canonical(teacher_cfg),
            teacher_ckpt=ckpt,
            parts=parts,
            cfg_options=plain(dict(cfg_options or {}))),
        created=datetime.datetime.now().isoformat(timespec='seconds'))
    storage.finalize(out_dir, header)
    size = sum(
        osp.getsize(osp.join(out_dir, name, f)) for name in os.listdir(out_dir)
        if name.startswith('shard-')
        for f in os.listdir(osp.join(out_dir, name)))
    log(f'Teacher cache written to {out_dir}: {len(dataset)} samples x '
        f'{draws} draws, top {spec["topk"]} of {num_classes} classes, '
        f'{group.world_size} shard(s), {size / 2**20:.1f} MiB.')
    return storage.read_header(out_dir)


def shard_coverage(cache_dir: str) -> List[np.ndarray]:
    """The sample indices each shard of a built cache holds."""
    cache = storage.TeacherCache(cache_dir)
    return [np.asarray(shard['sample_idx']) for shard in cache.shards()]
