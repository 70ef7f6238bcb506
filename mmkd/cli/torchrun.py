"""PyTorch's launcher (torchrun) as mmkd's shell scripts start it.

The same launcher (``python -m torch.distributed.run``), with one
difference: when the processes stopped because a tool reported a set-up
error itself (exit status :data:`REPORTED_EXIT`: a short message on rank 0,
the other ranks stopped by the launcher), torchrun's failure dump (its
traceback and a table of every rank's exit status) is left out and the
launcher exits with status 1. Every other failure prints the dump as
torchrun does.

    python -m mmkd.cli.torchrun --nproc_per_node=2 tools/train.py CONFIG \
        --launcher pytorch
"""
import logging
import signal
import sys
from typing import List, Optional

# the exit status of a process whose tool reported its error in a short
# message (mmkd.cli.cli.run_cli under a launcher)
REPORTED_EXIT = 3
# the status of a process the launcher stopped after another one failed
_STOPPED = (-signal.SIGTERM, -signal.SIGKILL)
_ELASTIC_LOGGER = 'torch.distributed.elastic.multiprocessing.api'


class _HoldFailureNotes(logging.Filter):
    """Keeps the launcher's notes about a failure (which process failed,
    which ones it stops) until it is known whether a tool reported it."""

    def __init__(self) -> None:
        super().__init__()
        self.held: List[logging.LogRecord] = []

    def filter(self, record: logging.LogRecord) -> bool:
        text = str(record.msg)
        if text.startswith('Sending process') or 'failed (exitcode' in text:
            self.held.append(record)
            return False
        return True


def reported(exit_codes) -> bool:
    """Whether processes ending with ``exit_codes`` stopped on an error a
    tool reported: at least one reported it and the others were stopped by
    the launcher (or reported it too)."""
    codes = list(exit_codes)
    return REPORTED_EXIT in codes and all(
        code == REPORTED_EXIT or code in _STOPPED for code in codes)


def main(argv: Optional[List[str]] = None) -> None:
    """Run torchrun with ``argv`` (default: the command line)."""
    from torch.distributed import run
    from torch.distributed.elastic.multiprocessing.errors import \
        ChildFailedError
    logger = logging.getLogger(_ELASTIC_LOGGER)
    notes = _HoldFailureNotes()
    logger.addFilter(notes)
    try:
        run.main(argv)
    except ChildFailedError as err:
        logger.removeFilter(notes)
        if reported(f.exitcode for f in err.failures.values()):
            sys.exit(1)
        for record in notes.held:
            logger.handle(record)
        raise


if __name__ == '__main__':
    main()
