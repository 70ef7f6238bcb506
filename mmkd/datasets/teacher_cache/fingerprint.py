"""What a teacher cache was built from, as sha256 fingerprints, and where
a config says it.

- ``teacher``: the teacher's weights: sha256 over the checkpoint's state
  dict (names, dtypes, shapes and bytes, in name order), so moving or
  re-saving the file with other metadata keeps it; ``untrained:<sha>`` of
  the random weights when there is no checkpoint (tests).
- ``pipeline``: the training pipeline (the replay step's ``cache_dir`` and
  ``check_images`` left out) and the data preprocessor, which together
  make the images the teacher saw.
- ``dataset``: the training data set config without its pipeline and
  ``data_root`` (moving the data keeps the cache; every sample's image is
  also checked against a stored hash while training).

Fingerprints are sha256 of a canonical JSON (sorted keys, tuples as lists).
"""
import copy
import hashlib
import json
from typing import Any, Dict, List, Mapping, Optional, Tuple

import torch

from mmkd.utils.checkpoint_loader import load_checkpoint_safely

REPLAY_TYPE = 'TeacherCacheReplay'
#: replay arguments that do not change what the cache holds
_REPLAY_ONLY = ('cache_dir', 'check_images')
#: data set arguments that do not change its samples
_DATASET_ONLY = ('pipeline', 'data_root', 'serialize_data', 'lazy_init',
                 'max_refetch')


def plain(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if isinstance(obj, type):
        return f'{obj.__module__}.{obj.__qualname__}'
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    return repr(obj)


def canonical(obj: Any) -> str:
    """A JSON text that is the same for equal configs (sorted keys, tuples
    as lists, ConfigDicts as dicts)."""
    return json.dumps(plain(obj), sort_keys=True, separators=(',', ':'))


def sha256_of(obj: Any) -> str:
    return hashlib.sha256(canonical(obj).encode()).hexdigest()


def state_dict_fingerprint(state: Mapping[str, Any]) -> str:
    """sha256 over a state dict's tensors, in name order."""
    digest = hashlib.sha256()
    for name in sorted(state):
        value = state[name]
        digest.update(name.encode())
        if isinstance(value, torch.Tensor):
            tensor = value.detach().cpu().contiguous().reshape(-1)
            digest.update(f'{tensor.dtype}{tuple(value.shape)}'.encode())
            digest.update(tensor.view(torch.uint8).numpy().tobytes())
        else:
            digest.update(repr(value).encode())
    return digest.hexdigest()


def checkpoint_fingerprint(path: str) -> str:
    """:func:`state_dict_fingerprint` of a checkpoint (``state_dict`` or
    the whole dict, ``module.`` prefixes dropped), read safely."""
    ckpt = load_checkpoint_safely(path, map_location='cpu', logger='silent')
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else ckpt
    return state_dict_fingerprint({
        (k[len('module.'):] if k.startswith('module.') else k):
        v
        for k, v in state.items()
    })


def find_replay(pipeline) -> Tuple[int, dict]:
    """Position and config of the :class:`TeacherCacheReplay` step."""
    for i, step in enumerate(pipeline or ()):
        if isinstance(step,
                      Mapping) and step.get('type') in (REPLAY_TYPE,
                                                        f'mmkd.{REPLAY_TYPE}'):
            return i, step
    raise ValueError(
        'The training pipeline (train_dataloader.dataset.pipeline) has no '
        f'{REPLAY_TYPE} step, so there are no augmentation draws to cache. '
        'Use a teacher-cache config such as configs/kd/cached_kd/'
        'cached_kd_resnet56_resnet20.py (docs/teacher_cache.md).')


def train_dataset_cfg(cfg) -> dict:
    dataset = cfg.train_dataloader.dataset
    if 'pipeline' not in dataset:
        raise ValueError(
            'The teacher cache needs the training data set to be a plain '
            'data set with its own pipeline (train_dataloader.dataset.'
            f'pipeline); got a {dataset.get("type")} without one.')
    return dataset


def preprocessor_cfg(cfg) -> dict:
    """The data preprocessor that turns images into the models' inputs, as
    the Runner resolves it."""
    model = cfg.model
    found = model.get('data_preprocessor') or cfg.get('data_preprocessor')
    if found is None and isinstance(model.get('architecture'), Mapping):
        found = model.architecture.get('data_preprocessor')
    return copy.deepcopy(found) if found is not None else dict(
        type='BaseDataPreprocessor')


def cache_dir_of(cfg) -> Optional[str]:
    """The ``cache_dir`` the config trains from."""
    return find_replay(train_dataset_cfg(cfg).pipeline)[1].get('cache_dir')


def config_parts(cfg) -> Dict[str, Any]:
    """What the ``pipeline`` and ``dataset`` fingerprints cover, as plain
    JSON objects."""
    dataset = train_dataset_cfg(cfg)
    pipeline = [copy.deepcopy(step) for step in dataset.pipeline]
    index, _ = find_replay(pipeline)
    for key in _REPLAY_ONLY:
        pipeline[index].pop(key, None)
    rest = {k: v for k, v in dataset.items() if k not in _DATASET_ONLY}
    return plain(
        dict(
            pipeline=dict(
                pipeline=pipeline, data_preprocessor=preprocessor_cfg(cfg)),
            dataset=rest))


def config_fingerprints(cfg) -> Dict[str, str]:
    """``pipeline`` and ``dataset`` fingerprints of a config."""
    return {key: sha256_of(part) for key, part in config_parts(cfg).items()}


def differences(before: Any,
                after: Any,
                path: str = '',
                most: int = 3) -> List[str]:
    """Up to ``most`` places where two plain JSON objects differ, as
    ``'path: before -> after'``."""
    if isinstance(before, dict) and isinstance(after, dict):
        found = []
        for key in sorted(set(before) | set(after)):
            found += differences(
                before.get(key, '<unset>'), after.get(key, '<unset>'),
                f'{path}.{key}' if path else key, most - len(found))
            if len(found) >= most:
                break
        return found
    if isinstance(before, list) and isinstance(after, list) and \
            len(before) == len(after):
        found = []
        for i, (one, two) in enumerate(zip(before, after)):
            found += differences(one, two, f'{path}[{i}]', most - len(found))
            if len(found) >= most:
                break
        return found
    return [] if before == after else [f'{path}: {before!r} -> {after!r}']


def teacher_of(cfg) -> Tuple[dict, Optional[str], bool]:
    """``(teacher config, teacher_ckpt, teacher_ckpt_optional)`` of a
    distillation config's model."""
    model = cfg.model
    if model.get('teacher') is None:
        raise ValueError(
            'The config has no model.teacher: the teacher cache needs the '
            'teacher (model.teacher and model.teacher_ckpt) it is built '
            'from.')
    return (model.teacher, model.get('teacher_ckpt'),
            bool(model.get('teacher_ckpt_optional', False)))
