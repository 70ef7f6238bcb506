"""Strict loading of a teacher checkpoint."""
import os.path as osp
from typing import Any, Dict, List

import torch.nn as nn

from mmkd.utils.checkpoint import checkpoint_problem
from mmkd.utils.checkpoint_loader import load_checkpoint_safely


def _read_checkpoint(path: str) -> Any:
    return load_checkpoint_safely(path, map_location='cpu', logger='silent')


def checkpoint_state_dict(ckpt: Any) -> Dict[str, Any]:
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else ckpt
    return {
        (k[len('module.'):] if k.startswith('module.') else k): v
        for k, v in state.items()
    }


def _listed(items) -> str:
    return ', '.join(
        items[:8]) + (f' ... ({len(items)} in all)' if len(items) > 8 else '')


def describe_mismatch(own: Dict[str, Any], state: Dict[str, Any]) -> List[str]:
    """Missing keys, unexpected keys and shape mismatches of checkpoint
    weights ``state`` against a model's ``own`` state dict (the first few
    of each, with counts), or an empty list when they match."""
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    wrong_shape = sorted(
        f'{k}: checkpoint {tuple(state[k].shape)} vs model '
        f'{tuple(own[k].shape)}' for k in set(own) & set(state)
        if hasattr(state[k], 'shape') and state[k].shape != own[k].shape)
    return [
        f'{what}: {_listed(items)}'
        for what, items in (('missing keys', missing), ('unexpected keys',
                                                        unexpected),
                            ('shape mismatches', wrong_shape)) if items
    ]


def load_teacher_checkpoint(teacher: nn.Module,
                            path: str,
                            key: str = 'teacher_ckpt') -> None:
    """Load ``path`` into ``teacher`` strictly.

    ``path`` is anything MMEngine's checkpoint loaders take: a local file,
    ``https://...``, ``open-mmlab://...``; it is read through mmkd's safe
    unpickler.

    Args:
        teacher (nn.Module): The teacher network.
        path (str): Its checkpoint.
        key (str): The config key that set ``path``, for messages
            (``'teachers.r56.ckpt'`` for one of several teachers). Defaults
            to ``'teacher_ckpt'``.

    Raises:
        FileNotFoundError: A local ``path`` does not exist.
        RuntimeError: The file is truncated or corrupt, or keys or shapes
            differ; the message names the file and lists them.
    """
    if '://' not in path and osp.isfile(path):
        problem = checkpoint_problem(path)
        if problem is not None:
            raise RuntimeError(
                f'{key} {path!r} {problem}. Copy or download the teacher '
                'checkpoint again (or point to an intact one, e.g. an '
                'earlier epoch_*.pth of its run).')
    try:
        ckpt = _read_checkpoint(path)
    except FileNotFoundError:
        raise FileNotFoundError(
            f'{key} {path!r} does not exist. Train the teacher first '
            '(tools/train.py on its config) and point it at its '
            'checkpoint.') from None
    state = checkpoint_state_dict(ckpt)
    problems = describe_mismatch(teacher.state_dict(), state)
    if problems:
        raise RuntimeError(
            f'{key} {path!r} does not match the teacher model '
            f'({type(teacher).__name__}): ' + '; '.join(problems) +
            '. A teacher loaded non-strictly would silently be random, so '
            'mmkd stops here. Check that the teacher config is the one the '
            'checkpoint was trained with.')
    teacher.load_state_dict(state, strict=True)
