"""Export the student of a distillation checkpoint.

The result holds only the student's weights (keys without the
``architecture.`` prefix) and the meta data, so the student's own config
loads it: ``tools/test.py STUDENT_CONFIG student.pth`` (and mmdet's or mmseg's
tools when the student is theirs).

    python tools/model_converters/export_student.py \\
        work_dirs/kd/epoch_240.pth student.pth
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0,
                osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import torch  # noqa: E402

from mmkd.cli import run_cli  # noqa: E402
from mmkd.utils import safe_load  # noqa: E402

PREFIX = 'architecture.'
_PLAIN = (str, int, float, bool, type(None))
_DROP = object()


def plain_meta(value):
    """``value`` with only builtin types (numpy scalars become numbers,
    anything else is dropped), so that ``torch.load(weights_only=True)``
    - what mmdet's and mmseg's own tools do on torch >= 2.6 - accepts the
    exported file."""
    if isinstance(value, _PLAIN):
        return value
    if hasattr(value, 'item') and getattr(value, 'ndim', None) == 0:
        return value.item()
    if isinstance(value, dict):
        items = ((k, plain_meta(v)) for k, v in value.items()
                 if isinstance(k, _PLAIN))
        return {k: v for k, v in items if v is not _DROP}
    if isinstance(value, (list, tuple)):
        items = [plain_meta(v) for v in value]
        return type(value)(v for v in items if v is not _DROP)
    return _DROP


def export_student(src: str, dst: str) -> int:
    """Write the student part of ``src`` to ``dst``; return its key count."""
    if not osp.isfile(src):
        raise FileNotFoundError(f'Checkpoint {src!r} does not exist.')
    ckpt = safe_load(src, map_location='cpu')
    state = ckpt.get('state_dict', ckpt)
    student = {
        k[len(PREFIX):]: v
        for k, v in state.items() if k.startswith(PREFIX)
    }
    if not student:
        raise KeyError(
            f'{src!r} has no "{PREFIX}*" weights: it is not a checkpoint of a '
            'distillation algorithm (SingleTeacherDistill).')
    meta = plain_meta(dict(ckpt.get('meta', {})))
    meta['exported_from'] = osp.abspath(src)
    os.makedirs(osp.dirname(osp.abspath(dst)), exist_ok=True)
    torch.save(dict(meta=meta, state_dict=student), dst)
    return len(student)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='checkpoint of a distillation run')
    parser.add_argument('dst', help='output path of the student checkpoint')
    args = parser.parse_args()
    count = export_student(args.src, args.dst)
    print(f'Wrote {count} student tensors to {args.dst}')


if __name__ == '__main__':
    run_cli(main, 'export_student.py')
