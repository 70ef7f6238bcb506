"""Finding the checkpoint to resume from when the newest one is damaged."""
import glob
import os.path as osp
import re
import zipfile
from typing import Callable, Optional, Tuple

CHECKPOINT_NAME = re.compile(r'^(epoch|iter)_(\d+)\.pth$')


def checkpoint_problem(path: str) -> Optional[str]:
    """Why ``path`` is not a complete checkpoint written by ``torch.save``
    (missing, empty, truncated, corrupt), or None if it is intact.

    Every member's CRC is checked, so a file cut short or damaged anywhere
    is found without unpickling anything.
    """
    if not osp.isfile(path):
        return 'does not exist'
    if osp.getsize(path) == 0:
        return 'is empty'
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        return f'is truncated or not a torch checkpoint ({err})'
    if bad is not None:
        return f'is corrupt (member {bad} fails its CRC check)'
    return None


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
        tuple: The path (None when there is nothing to resume) and the
        reason it was chosen.
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
    if skipped:
        why += '; no intact checkpoint: ' + '; '.join(skipped)
    return None, why
