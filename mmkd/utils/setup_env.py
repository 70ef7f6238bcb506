"""Environment set-up shared by mmkd's tools."""
import datetime
import os
import warnings

import torch
import torch.distributed as torch_dist
from mmengine.config import Config, ConfigDict
from mmengine.registry import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Make mmkd's modules reachable through the registries.

    mmkd's registries name the packages their modules live in
    (``locations=`` in :mod:`mmkd.registry`), so MMEngine imports them the
    first time a registry of the ``mmkd`` scope builds or looks up a type:
    nothing needs importing here, and the utilities import nothing above
    them.

    Args:
        init_default_scope (bool): Also make ``mmkd`` the default scope, so
            registries build mmkd's modules first. Defaults to True.
    """
    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None or not DefaultScope.check_instance_created('mmkd'):
        DefaultScope.get_instance('mmkd', scope_name='mmkd')
    elif current.scope_name != 'mmkd':
        warnings.warn(f'The default scope was "{current.scope_name}"; '
                      'register_all_modules switches it to "mmkd".')
        DefaultScope.get_instance(
            f'mmkd-{datetime.datetime.now()}', scope_name='mmkd')


def _slurm_env_to_torch_env(port: str = '29500') -> None:
    """Export the variables ``init_process_group('env://')`` needs from
    SLURM's own, as ``srun`` starts one task per process."""
    import subprocess
    node_list = os.environ['SLURM_NODELIST']
    os.environ.setdefault(
        'MASTER_ADDR',
        subprocess.getoutput(f'scontrol show hostname {node_list} | head -n1'))
    os.environ.setdefault('MASTER_PORT', port)
    os.environ['WORLD_SIZE'] = os.environ['SLURM_NTASKS']
    os.environ['RANK'] = os.environ['SLURM_PROCID']
    os.environ['LOCAL_RANK'] = os.environ['SLURM_LOCALID']


def setup_distributed(cfg: Config, launcher: str) -> None:
    """Make ``cfg`` run with ``launcher`` on this machine.

    With CUDA nothing changes: MMEngine starts NCCL as usual. Without it,
    MMEngine 0.10.7 would call ``torch.cuda.set_device`` while starting the
    process group and then wrap the model with ``device_ids=[rank]``; both
    fail on CPU. Here the gloo backend is chosen, the process group is
    started before the runner (which then skips its own start-up) and the
    DDP wrapper gets ``device_ids=None``.

    Args:
        cfg (Config): The config, changed in place.
        launcher (str): ``'none'``, ``'pytorch'``, ``'slurm'`` or ``'mpi'``.
    """
    if torch.cuda.is_available():
        return
    env_cfg = cfg.setdefault('env_cfg', ConfigDict())
    dist_cfg = env_cfg.setdefault('dist_cfg', ConfigDict())
    if dist_cfg.get('backend', 'nccl') == 'nccl':
        dist_cfg['backend'] = 'gloo'
    if launcher == 'none':
        return
    # MMEngine reads the top-level find_unused_parameters only when it
    # builds the wrapper itself (no model_wrapper_cfg): the wrapper made here
    # carries it (e.g. connectors unused after StopDistillHook)
    wrapper = cfg.get('model_wrapper_cfg') or ConfigDict(
        type='MMDistributedDataParallel',
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper.setdefault('device_ids', None)
    cfg.model_wrapper_cfg = wrapper
    if torch_dist.is_available() and torch_dist.is_initialized():
        return
    if launcher == 'slurm':
        _slurm_env_to_torch_env(str(dist_cfg.get('port', '29500')))
    elif launcher == 'mpi':
        os.environ.setdefault('RANK', os.environ['OMPI_COMM_WORLD_RANK'])
        os.environ.setdefault('WORLD_SIZE', os.environ['OMPI_COMM_WORLD_SIZE'])
        os.environ.setdefault('LOCAL_RANK',
                              os.environ['OMPI_COMM_WORLD_LOCAL_RANK'])
    missing = [
        k for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')
        if k not in os.environ
    ]
    if missing:
        raise RuntimeError(
            f'--launcher {launcher} needs the environment variables '
            f'{", ".join(missing)}; start the tool with tools/dist_train.sh '
            '(torchrun) or tools/slurm_train.sh.')
    kwargs = {}
    if 'timeout' in dist_cfg:
        kwargs['timeout'] = datetime.timedelta(seconds=dist_cfg['timeout'])
    torch_dist.init_process_group(backend=dist_cfg['backend'], **kwargs)


def teardown_distributed() -> None:
    """Leave the process group together and cleanly.

    All ranks meet at a barrier, then gloo's worker threads get a moment to
    release the finished collectives before the group is destroyed: tearing
    it down while they still wait for the GIL deadlocks on some torch
    versions (a DDP run whose last process never exits).
    """
    if not (torch_dist.is_available() and torch_dist.is_initialized()):
        return
    import time
    torch_dist.barrier()
    time.sleep(0.5)
    torch_dist.destroy_process_group()
