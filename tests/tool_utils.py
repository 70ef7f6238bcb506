"""Helpers for tests that run mmkd's command-line tools in subprocesses."""
import os
import os.path as osp
import socket
import subprocess

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def tiny_options(data_root, epochs=2, **model_types):
    """--cfg-options that shrink a CIFAR-100 config to seconds.

    ``model_types`` maps a model key (``model``, ``model.architecture``,
    ``model.teacher``) to the small network to use instead.
    """
    opts = [
        f'train_cfg.max_epochs={epochs}',
        'default_hooks.logger.interval=1',
        'randomness.seed=0',
        'recipe.mismatch=warn'  # a shorter run than the declared recipe
    ]
    opts += [f'{key}.type={value}' for key, value in model_types.items()]
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        opts += [
            f'{loader}.dataset.data_root={data_root}',
            f'{loader}.batch_size=16', f'{loader}.num_workers=0',
            f'{loader}.persistent_workers=False'
        ]
    return opts


def run_tool(args, check=True, env=None, timeout=600, cwd=REPO):
    """Run a tool from the repository root (or ``cwd``); fail with its
    output."""
    full_env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    full_env.update(env or {})
    proc = subprocess.run(
        args,
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f'{args} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}')
    return proc


def free_port():
    """A TCP port on localhost that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def coco_options(root, epochs=1):
    """--cfg-options that point a tiny mmdet config at a generated COCO
    set in ``root`` and train it for ``epochs``."""
    ann = f'{root}/annotations/instances_val2017.json'
    return [
        f'train_dataloader.dataset.data_root={root}/',
        f'val_dataloader.dataset.data_root={root}/',
        f'test_dataloader.dataset.data_root={root}/',
        f'val_evaluator.ann_file={ann}', f'test_evaluator.ann_file={ann}',
        f'train_cfg.max_epochs={epochs}', f'train_cfg.val_interval={epochs}',
        'default_hooks.logger.interval=1', 'randomness.seed=0'
    ]


def train_tiny_coco(config, work_dir, root, *extra, epochs=1, options=()):
    """tools/train.py on a tiny mmdet config and a generated COCO set."""
    import sys
    return run_tool([
        sys.executable, 'tools/train.py', config, '--work-dir',
        str(work_dir), *extra, '--cfg-options', *coco_options(root, epochs),
        *options
    ])


def seg_options(root, iters=2):
    """--cfg-options that point a tiny mmseg config at a generated
    segmentation set in ``root`` and train it for ``iters`` iterations
    (validating and saving a checkpoint at the end)."""
    opts = [
        f'train_cfg.max_iters={iters}', f'train_cfg.val_interval={iters}',
        f'default_hooks.checkpoint.interval={iters}',
        f'param_scheduler.0.end={iters}', 'default_hooks.logger.interval=1',
        'randomness.seed=0'
    ]
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        opts.append(f'{loader}.dataset.data_root={root}')
    return opts
