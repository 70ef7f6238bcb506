"""Finding the checkpoint to resume from when the newest one is damaged."""
import glob
import os.path as osp
import re
from typing import Callable, Optional, Tuple

# checkpoint_problem lives with the loaders (the teacher checks its file too)
from mmkd.utils.checkpoint import checkpoint_problem

CHECKPOINT_NAME = re.compile(r'^(epoch|iter)_(\d+)\.pth$')


class ResumeError(RuntimeError):
    """``--resume`` found checkpoints, but none it can resume from."""


def _newest_first(work_dir: str):
    found = []
    for path in glob.glob(osp.join(work_dir, '*.pth')):
        match = CHECKPOINT_NAME.match(osp.basename(path))
        if match:
            found.append((osp.getmtime(path), int(match.group(2)), path))
    return [path for _, _, path in sorted(found, reverse=True)]


def find_resumable_checkpoint(
        work_dir: str,
        log: Callable[[str], None] = print) -> Tuple[Optional[str], str]:
    """The checkpoint ``--resume`` (without a path) continues from.

    The one named by ``<work_dir>/last_checkpoint`` when it is intact;
    otherwise the newest intact ``epoch_*.pth``/``iter_*.pth`` in
    ``work_dir``, saying which one and why through ``log``.

    Returns:
        tuple: The path (None when ``work_dir`` has neither a
        ``last_checkpoint`` naming a file nor any checkpoint) and the reason
        it was chosen.

    Raises:
        ResumeError: There are checkpoints (or ``last_checkpoint`` names
            one), but none is intact; the message names each file and what
            is wrong with it.
    """
    pointer = osp.join(work_dir, 'last_checkpoint')
    named = None
    if osp.isfile(pointer):
        with open(pointer, errors='replace') as f:
            named = f.read().strip() or None
    if named is not None:
        problem = checkpoint_problem(named)
        if problem is None:
            return named, f'{pointer} names it'
        why = f'{pointer} names {named}, which {problem}'
    elif osp.isfile(pointer):
        why = f'{pointer} is empty'
    else:
        why = f'there is no {pointer}'
    skipped = []
    for path in _newest_first(work_dir):
        problem = checkpoint_problem(path)
        if problem is None:
            if skipped:
                why += '; skipped ' + '; '.join(skipped)
            log(f'Resuming from {path}, the newest intact checkpoint in '
                f'{work_dir}: {why}.')
            return path, why
        skipped.append(f'{osp.basename(path)} ({problem})')
    if named is not None or skipped:
        raise ResumeError(
            f'--resume found no intact checkpoint in {work_dir}: {why}' +
            (''.join(f'; {item}' for item in skipped) if skipped else '') +
            '. Starting again from epoch 1 would throw the run away, so '
            'mmkd stops: resume from a checkpoint you copied elsewhere '
            '(--resume PATH), or train from the beginning in a new '
            '--work-dir.')
    return None, why
