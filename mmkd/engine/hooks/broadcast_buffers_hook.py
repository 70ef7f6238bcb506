"""Every process validates the model that is saved."""
import torch.distributed as torch_dist
from mmengine.dist import get_world_size, is_distributed
from mmengine.hooks import Hook

from mmkd.models.recorders import unwrap_model
from mmkd.registry import HOOKS


@HOOKS.register_module()
class BroadcastBuffersHook(Hook):
    """Copy rank 0's buffers (BatchNorm statistics, ...) to every process
    before validation.

    DDP broadcasts buffers at the start of each training forward, so after
    the last step each process holds the statistics of its own last batch,
    and validation (which bypasses DDP's forward) would score a different
    model on every rank. Rank 0 is the process that saves checkpoints, so
    after this hook the validated model is the saved one, whether the
    checkpoint is written before or after validation. (MMEngine's
    ``SyncBuffersHook`` averages instead, which matches no saved model when
    a checkpoint is written before it runs.)
    """

    priority = 'ABOVE_NORMAL'

    def before_val_epoch(self, runner) -> None:
        if not is_distributed() or get_world_size() == 1:
            return
        for buffer in unwrap_model(runner.model).buffers():
            torch_dist.broadcast(buffer.data, src=0)
