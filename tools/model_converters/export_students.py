"""Export every student of a mutual-learning checkpoint.

A ``MutualLearning`` checkpoint holds student 0 as ``architecture.*`` and
the others as ``peers.<i>.*``. This writes ``OUT_DIR/student0.pth``,
``OUT_DIR/student1.pth``, ..., each loadable by that student's own config
(``tools/test.py STUDENT_CONFIG OUT_DIR/student1.pth``). For any other
distillation checkpoint it writes ``student0.pth``, as export_student.py.

    python tools/model_converters/export_students.py \
        work_dirs/dml/epoch_200.pth students/
"""
import argparse
import os
import os.path as osp
import re
import sys
from typing import List

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
sys.path.insert(0,
                osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import torch  # noqa: E402
from export_student import plain_meta  # noqa: E402

from mmkd.cli import run_cli  # noqa: E402
from mmkd.utils import safe_load  # noqa: E402

PEER = re.compile(r'^peers\.(\d+)\.')


def export_students(src: str, out_dir: str) -> List[str]:
    """Write one plain checkpoint per student of ``src`` into ``out_dir``;
    return their paths, student 0 first."""
    if not osp.isfile(src):
        raise FileNotFoundError(f'Checkpoint {src!r} does not exist.')
    ckpt = safe_load(src, map_location='cpu')
    state = ckpt.get('state_dict', ckpt)
    students = {}
    for key, value in state.items():
        if key.startswith('architecture.'):
            students.setdefault(0, {})[key[len('architecture.'):]] = value
        elif PEER.match(key):
            index = int(PEER.match(key).group(1)) + 1
            students.setdefault(index, {})[PEER.sub('', key)] = value
    if 0 not in students:
        raise KeyError(f'{src!r} has no "architecture.*" weights: it is not '
                       'a checkpoint of a distillation algorithm.')
    meta = plain_meta(dict(ckpt.get('meta', {})))
    meta['exported_from'] = osp.abspath(src)
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for index in sorted(students):
        path = osp.join(out_dir, f'student{index}.pth')
        torch.save(
            dict(meta=dict(meta, student=index), state_dict=students[index]),
            path)
        paths.append(path)
    return paths


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='checkpoint of a mutual-learning run')
    parser.add_argument('out_dir', help='folder for student<i>.pth')
    args = parser.parse_args()
    for path in export_students(args.src, args.out_dir):
        print(f'Wrote {path}')


if __name__ == '__main__':
    run_cli(main, 'export_students.py')
