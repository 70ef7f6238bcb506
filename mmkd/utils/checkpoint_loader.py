"""MMEngine's checkpoint sources, loaded through :func:`safe_load`.

MMEngine's ``CheckpointLoader`` picks a loader by the path's prefix: local
files, ``http(s)://``, ``torchvision://``, ``open-mmlab://``, ``mmcls://``,
``s3://``. Its loaders unpickle with a bare ``torch.load`` (and its http
loader with ``weights_only=False``, i.e. anything). The loaders here keep
MMEngine's behaviour (the download cache and ``model_dir``; in distributed
runs rank 0 downloads while the other ranks wait at a barrier; the URL
tables and deprecated names of ``open-mmlab://``) and unpickle with
:func:`~mmkd.utils.checkpoint.safe_load`.

Nothing changes at ``import mmkd``. Three ways to switch them on:

- :func:`load_checkpoint_safely`: load one checkpoint from any source, with
  nothing global changed afterwards;
- :func:`safe_checkpoint_loading`: a context manager; inside it, everything
  that loads through MMEngine (``load_from``, ``resume``,
  ``load_checkpoint``, ``init_cfg=dict(type='Pretrained')``) is safe;
- :func:`install_safe_checkpoint_loader`: for the whole process, what
  mmkd's tools, demos and examples do.
"""
import hashlib
import logging
import os
import os.path as osp
import sys
from collections import OrderedDict
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, Optional, Union
from urllib.parse import urlparse

import torch

from .checkpoint import safe_load, safe_load_bytes


def download_cache_path(url: str, model_dir: Optional[str] = None) -> str:
    """Where :func:`load_from_http` keeps the download of ``url``.

    The file name starts with a hash of the whole URL, then the URL's own
    file name: two URLs that end in the same name (``.../a/teacher.pth``,
    ``.../b/teacher.pth``) are two files, never one served for the other.

    Args:
        url (str): The http(s) URL.
        model_dir (str, optional): The cache folder. Defaults to torch hub's
            ``checkpoints`` folder.

    Returns:
        str: ``<model_dir>/<16 hex digits of sha256(url)>-<file name>``.
    """
    if model_dir is None:
        model_dir = osp.join(torch.hub.get_dir(), 'checkpoints')
    digest = hashlib.sha256(url.encode('utf-8')).hexdigest()[:16]
    name = osp.basename(urlparse(url).path) or 'checkpoint.pth'
    return osp.join(model_dir, f'{digest}-{name}')


def _load_url(url: str,
              model_dir: Optional[str] = None,
              map_location: Any = None,
              progress: bool = True) -> Any:
    """A download cached per URL (:func:`download_cache_path`), safely
    unpickled."""
    cached = download_cache_path(url, model_dir)
    os.makedirs(osp.dirname(cached), exist_ok=True)
    if not osp.exists(cached):
        sys.stderr.write(f'Downloading: "{url}" to {cached}\n')
        # writes a temporary file, then renames it: never half a checkpoint
        torch.hub.download_url_to_file(url, cached, progress=progress)
    return safe_load(cached, map_location=map_location)


def load_from_local(filename: str, map_location: Any = None) -> Any:
    """A local checkpoint file."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'Checkpoint file {filename} does not exist.')
    return safe_load(filename, map_location=map_location)


def load_from_http(
    filename: str,
    map_location: Any = None,
    model_dir: Optional[str] = None,
    progress: bool = os.isatty(0)
) -> Any:  # noqa: E125 (yapf's layout)
    """An http(s) URL, downloaded once into ``model_dir`` (default: torch
    hub's ``checkpoints`` folder) under a name keyed by the whole URL
    (:func:`download_cache_path`). In a distributed run rank 0 downloads
    while the other ranks wait, then they read its download."""
    from mmengine.dist import get_dist_info
    rank, world_size = get_dist_info()
    if rank == 0:
        checkpoint = _load_url(filename, model_dir, map_location, progress)
    if world_size > 1:
        torch.distributed.barrier()
        if rank > 0:
            checkpoint = _load_url(filename, model_dir, map_location, progress)
    return checkpoint


def load_from_torchvision(filename: str, map_location: Any = None) -> Any:
    """``torchvision://resnet50`` (or the deprecated ``modelzoo://``)."""
    from mmengine.logging import print_log
    from mmengine.runner.checkpoint import get_torchvision_models
    if filename.startswith('modelzoo://'):
        print_log(
            'The URL scheme of "modelzoo://" is deprecated, please use '
            '"torchvision://" instead',
            logger='current',
            level=logging.WARNING)
    model_name = filename.split('://', 1)[1]
    return load_from_http(
        get_torchvision_models()[model_name], map_location=map_location)


def load_from_openmmlab(filename: str, map_location: Any = None) -> Any:
    """``open-mmlab://name`` (or ``openmmlab://``): a URL or a file under
    MMEngine's home, from MMEngine's tables."""
    from mmengine.logging import print_log
    from mmengine.runner.checkpoint import (_get_mmengine_home,
                                            get_deprecated_model_names,
                                            get_external_models)
    prefix, model_name = filename.split('://', 1)
    deprecated = get_deprecated_model_names()
    if model_name in deprecated:
        print_log(
            f'{prefix}://{model_name} is deprecated in favor of '
            f'{prefix}://{deprecated[model_name]}',
            logger='current',
            level=logging.WARNING)
        model_name = deprecated[model_name]
    model_url = get_external_models()[model_name]
    if model_url.startswith(('http://', 'https://')):
        return load_from_http(model_url, map_location=map_location)
    return load_from_local(
        osp.join(_get_mmengine_home(), model_url), map_location)


def load_from_mmcls(filename: str, map_location: Any = None) -> Any:
    """``mmcls://name``: an mmcls backbone, keys without ``backbone.``."""
    from mmengine.runner.checkpoint import (_process_mmcls_checkpoint,
                                            get_mmcls_models)
    checkpoint = load_from_http(
        get_mmcls_models()[filename[len('mmcls://'):]],
        map_location=map_location)
    return _process_mmcls_checkpoint(checkpoint)


def load_from_ceph(filename: str,
                   map_location: Any = None,
                   backend: str = 'petrel') -> Any:
    """``s3://`` or ``petrel://`` through MMEngine's file backends."""
    from mmengine.fileio import get_file_backend
    file_backend = get_file_backend(
        filename, backend_args={'backend': backend})
    return safe_load_bytes(file_backend.get(filename), map_location)


# MMEngine's prefixes (regular expressions) -> the safe loaders. pavi:// (an
# internal service of MMEngine's authors) keeps MMEngine's loader.
SAFE_SCHEMES: Dict[str, Callable[..., Any]] = {
    '': load_from_local,
    'http://': load_from_http,
    'https://': load_from_http,
    'modelzoo://': load_from_torchvision,
    'torchvision://': load_from_torchvision,
    'open-mmlab://': load_from_openmmlab,
    'openmmlab://': load_from_openmmlab,
    'mmcls://': load_from_mmcls,
    r'(\S+\:)?s3://': load_from_ceph,
    r'(\S+\:)?petrel://': load_from_ceph,
}


def _set_schemes(loaders: Dict[str, Optional[Callable[..., Any]]]) -> None:
    """Set (or, for None, remove) loaders in MMEngine's CheckpointLoader,
    keeping its order (longer prefixes first)."""
    from mmengine.runner.checkpoint import CheckpointLoader
    schemes = dict(CheckpointLoader._schemes)
    for prefix, loader in loaders.items():
        if loader is None:
            schemes.pop(prefix, None)
        else:
            schemes[prefix] = loader
    CheckpointLoader._schemes = OrderedDict(
        sorted(schemes.items(), key=lambda item: item[0], reverse=True))


def install_safe_checkpoint_loader() -> None:
    """Make MMEngine load checkpoints safely in this whole process.

    Every source of :data:`SAFE_SCHEMES` (local files, http(s),
    ``torchvision://``, ``open-mmlab://``, ``mmcls://``, ``s3://``) then
    unpickles through :func:`~mmkd.utils.checkpoint.safe_load`, wherever
    MMEngine loads a checkpoint (``load_from``, ``resume``,
    ``load_checkpoint``, ``init_cfg=dict(type='Pretrained')``). mmkd's
    tools, demos and examples call it at start-up; safe to call more than
    once. For a limited scope use :func:`safe_checkpoint_loading`.
    """
    _set_schemes(SAFE_SCHEMES)


@contextmanager
def safe_checkpoint_loading() -> Iterator[None]:
    """Load checkpoints through MMEngine safely inside a ``with`` block.

    The safe loaders replace MMEngine's for the block; afterwards each
    prefix gets back the loader it had before (also when the block
    raises), so schemes registered meanwhile by someone else stay.
    MMEngine's scheme table is shared by the process: other threads see
    the safe loaders during the block too.

    Example:
        >>> from mmengine.runner import load_checkpoint
        >>> with safe_checkpoint_loading():
        ...     load_checkpoint(model, 'https://example.com/ckpt.pth')
    """
    from mmengine.runner.checkpoint import CheckpointLoader
    previous = {
        prefix: CheckpointLoader._schemes.get(prefix)
        for prefix in SAFE_SCHEMES
    }
    _set_schemes(SAFE_SCHEMES)
    try:
        yield
    finally:
        current = CheckpointLoader._schemes
        _set_schemes({
            prefix: loader
            for prefix, loader in previous.items()
            if current.get(prefix) is SAFE_SCHEMES[prefix]
        })


def load_checkpoint_safely(
        filename: str,
        map_location: Any = 'cpu',
        logger: Optional[Union[logging.Logger, str]] = None) -> Any:
    """Load a checkpoint from any source MMEngine knows, safely.

    A local path, an ``http(s)://`` URL (cached; rank 0 downloads first in
    distributed runs), ``torchvision://``, ``open-mmlab://``, ``mmcls://``
    or ``s3://``, as MMEngine's ``CheckpointLoader`` resolves them, with
    schemes registered by others still reachable. MMEngine's loaders are
    back in place when it returns.

    Args:
        filename (str): The checkpoint's path or URL.
        map_location: Same as in :func:`torch.load`. Defaults to ``'cpu'``.
        logger (logging.Logger | str, optional): Where MMEngine logs which
            loader it uses; ``'silent'`` for nowhere. Defaults to None
            (MMEngine's current logger).

    Returns:
        The loaded object, usually a dict with ``state_dict`` and ``meta``.

    Raises:
        FileNotFoundError: A local file does not exist.
        UnsafeCheckpointError: The checkpoint holds objects outside the
            allow-list; nothing from it was run.
    """
    from mmengine.runner.checkpoint import CheckpointLoader
    with safe_checkpoint_loading():
        return CheckpointLoader.load_checkpoint(
            filename,
            map_location=map_location,
            logger='current' if logger is None else logger)
