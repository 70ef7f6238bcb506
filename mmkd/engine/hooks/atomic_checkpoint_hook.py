"""Checkpoints that survive a kill at any moment, including while saving."""
import os
import os.path as osp
from contextlib import contextmanager
from typing import List

import torch
from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook

from mmkd.models.recorders import unwrap_model
from mmkd.registry import HOOKS
from mmkd.utils.errors import CheckpointError

PART = '.part'


def write_atomically(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader (or a kill) sees either
    the old file or the whole new one: write aside, flush to disk, rename."""
    tmp = path + PART
    with open(tmp, 'wb') as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _fsync(path: str) -> None:
    with open(path, 'rb') as f:
        os.fsync(f.fileno())


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """MMEngine's ``CheckpointHook`` with crash-safe writes on local disks.

    - A checkpoint is written under ``<name>.part`` and renamed to its name
      once complete, so a kill while saving leaves the previous checkpoints
      and a stray ``.part`` file, never a truncated checkpoint.
    - The ``last_checkpoint`` pointer is replaced atomically, after the
      checkpoint it names is complete.
    - Checkpoints beyond ``max_keep_ckpts`` and the previous best one are
      removed only after the new one is complete.
    - A model with non-finite parameters or buffers is never saved.

    It takes the arguments of ``CheckpointHook``; mmkd's ``tools/train.py``
    uses it in place of ``CheckpointHook``. On other storage backends it
    behaves as ``CheckpointHook``.
    """

    def _local(self) -> bool:
        return isinstance(self.file_backend, LocalBackend)

    @staticmethod
    def _check_finite(runner) -> None:
        model = unwrap_model(runner.model)
        for name, tensor in list(model.named_parameters()) + list(
                model.named_buffers()):
            if tensor.is_floating_point() and \
                    not torch.isfinite(tensor).all():
                raise FloatingPointError(
                    f'Not saving a checkpoint at epoch {runner.epoch}, '
                    f'iteration {runner.iter}: {name} holds NaN or inf '
                    'values. Earlier checkpoints are kept.')

    @contextmanager
    def _atomic_saves(self, runner):
        """Within the block, ``runner.save_checkpoint`` writes aside and
        renames, and removals are postponed until the block ends."""
        save, remove, rmtree = (runner.save_checkpoint,
                                self.file_backend.remove,
                                self.file_backend.rmtree)
        postponed: List[tuple] = []

        def atomic_save(out_dir, filename, *args, **kwargs):
            self._check_finite(runner)
            path = self.file_backend.join_path(out_dir, filename)
            try:
                save(out_dir, filename + PART, *args, **kwargs)
                if is_main_process():
                    _fsync(path + PART)
                    os.replace(path + PART, path)
            except OSError as err:  # disk full, read-only, quota
                if osp.exists(path + PART):
                    os.remove(path + PART)
                raise CheckpointError(
                    f'Could not write the checkpoint {path}: '
                    f'{err.strerror or err}. Earlier checkpoints are intact; '
                    'free space (or choose another --work-dir) and resume '
                    'with --resume.') from err

        runner.save_checkpoint = atomic_save
        self.file_backend.remove = lambda p: postponed.append((remove, p))
        self.file_backend.rmtree = lambda p: postponed.append((rmtree, p))
        try:
            yield
        finally:
            runner.__dict__.pop('save_checkpoint', None)
            self.file_backend.__dict__.pop('remove', None)
            self.file_backend.__dict__.pop('rmtree', None)
        for fn, path in postponed:
            fn(path)

    def _save_checkpoint_with_step(self, runner, step, meta):
        if not self._local():
            return super()._save_checkpoint_with_step(runner, step, meta)
        stale = None
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and
                                            self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                stale = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))
        filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        with self._atomic_saves(runner):
            runner.save_checkpoint(
                self.out_dir,
                filename,
                self.file_client_args,
                save_optimizer=self.save_optimizer,
                save_param_scheduler=self.save_param_scheduler,
                meta=meta,
                by_epoch=self.by_epoch,
                backend_args=self.backend_args,
                **self.args)
        if not is_main_process():
            return
        write_atomically(
            osp.join(runner.work_dir, 'last_checkpoint'),
            self.last_ckpt.encode())
        if stale is not None:
            path = self.file_backend.join_path(
                self.out_dir, self.filename_tmpl.format(stale))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)

    def _save_best_checkpoint(self, runner, metrics) -> None:
        if not self._local():
            return super()._save_best_checkpoint(runner, metrics)
        with self._atomic_saves(runner):
            super()._save_best_checkpoint(runner, metrics)
