"""Tar archives of datasets, extracted safely and atomically.

A member may not escape the destination folder (tarfile's ``'data'`` filter
where Python has it; otherwise only regular files and folders whose paths
stay inside it), and a dataset folder appears in its place only once fully
extracted, so processes starting together (distributed training) never
read half a folder.
"""
import os
import os.path as osp
import shutil
import tarfile
import tempfile
import zlib


def _is_within(root: str, path: str) -> bool:
    root = osp.realpath(root)
    return osp.commonpath([root, osp.realpath(path)]) == root


def _extract_all(archive: str, dest: str, source: str) -> None:
    with tarfile.open(archive, 'r:*') as tar:
        if hasattr(tarfile, 'data_filter'):
            try:
                tar.extractall(dest, filter='data')
            except tarfile.FilterError as e:
                raise RuntimeError(
                    f'Refusing to extract {archive}: {e}. The official '
                    'archives only contain plain files; get a fresh copy '
                    f'from {source}.') from e
            return
        members = tar.getmembers()
        for member in members:
            target = osp.join(dest, member.name)
            if (osp.isabs(member.name) or not _is_within(dest, target)
                    or not (member.isfile() or member.isdir())):
                raise RuntimeError(
                    f'Refusing to extract {archive}: unsafe member '
                    f'"{member.name}". The official archives only contain '
                    f'plain files; get a fresh copy from {source}.')
        tar.extractall(dest, members=members)


def safe_extract(archive: str, dest: str, source: str) -> None:
    """Extract a tar archive without letting members escape ``dest``.

    Args:
        archive (str): Path of the (possibly compressed) tar file.
        dest (str): Folder to extract into.
        source (str): Where a fresh copy comes from, for the messages.

    Raises:
        RuntimeError: The archive is corrupt or holds an unsafe member.
    """
    try:
        _extract_all(archive, dest, source)
    except (tarfile.ReadError, EOFError, zlib.error, OSError) as err:
        if isinstance(err, FileNotFoundError):
            raise
        raise RuntimeError(
            f'Cannot extract {archive} (truncated or corrupt?): {err}. Get a '
            f'fresh copy from {source}.') from None


def extract_folder(archive: str, root: str, folder: str, source: str) -> None:
    """Extract ``archive`` so that its top folder ``folder`` appears in
    ``root`` at once: into a private temporary folder first, then moved
    into place (if another process got there first, its copy stays).

    Args:
        archive (str): Path of the tar file.
        root (str): Folder that receives ``folder``.
        folder (str): The archive's top folder.
        source (str): Where a fresh copy comes from, for the messages.
    """
    try:
        tmp = tempfile.mkdtemp(prefix='.extract_', dir=root)
    except OSError as e:
        raise OSError(
            f'Cannot extract {archive} in {root} ({e}). Extract it yourself '
            f'so that {folder}/ lies in a folder you pass as data_root.'
        ) from e
    try:
        safe_extract(archive, tmp, source)
        extracted = osp.join(tmp, folder)
        target = osp.join(root, folder)
        if osp.isdir(extracted) and not osp.exists(target):
            try:
                os.rename(extracted, target)
            except OSError:
                if not osp.isdir(target):  # not another process' win
                    raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
