"""What each of mmkd's command-line tools does first, before it imports
torch or MMEngine (this module uses the standard library only):

- the working directory goes on ``sys.path``, so a config's
  ``custom_imports`` find the user's own package from the project root
  (``python tools/train.py`` puts only ``tools/`` there);
- a Python without torch or MMEngine gets a short error that says which
  interpreter to run the tool with (the environment ``make demo`` /
  ``make test`` / ``tools/setup_env.sh`` set up), instead of a raw
  ``ModuleNotFoundError``.
"""
import importlib.util
import os
import os.path as osp
import shlex
import sys

REQUIRED = ('torch', 'mmengine')
REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def environment_python() -> str:
    """The interpreter of the environment the set-up builds: ``$MMKD_VENV``
    (the set-up's option for another place), else ``.venv`` in the
    checkout."""
    venv = os.environ.get('MMKD_VENV') or osp.join(REPO, '.venv')
    return osp.join(venv, 'bin', 'python')


def prepare_tool(tool: str) -> None:
    """Put the working directory on ``sys.path`` and stop with a short
    message if this Python lacks what the tools need.

    Args:
        tool (str): The tool's name for the message, e.g.
            ``'tools/train.py'``.
    """
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(1, cwd)
    missing = [
        name for name in REQUIRED if importlib.util.find_spec(name) is None
    ]
    if not missing:
        return
    python = environment_python()
    command = shlex.join([python, *sys.argv])
    if osp.isfile(python):
        how = f'Run it with that environment\'s Python:\n  {command}'
    else:
        how = ('Set the environment up first (make test, or bash '
               f'tools/setup_env.sh in {REPO}), then run:\n  {command}')
    print(
        f'{tool}: error: this Python ({sys.executable}) has no '
        f'{" and no ".join(missing)}; mmkd\'s tools run in the '
        f'environment that make demo / make test set up. {how}',
        file=sys.stderr)
    sys.exit(1)
