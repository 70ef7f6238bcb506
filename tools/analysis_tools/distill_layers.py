"""Find the layers to distill: the student's and the teacher's modules with
their output shapes, the pairs a config distills, and the pairs (and
connectors) a loss could use. The work is done by :mod:`mmkd.analysis`
(docs/layer_finder.md says how it pairs layers).

    # a distillation config (its distilled layers are marked with *)
    python tools/analysis_tools/distill_layers.py \\
        configs/kd/fitnet/fitnet_resnet32x4_resnet8x4_1xb64-240e_cifar100.py
    # two plain model configs, and the pairs a loss could use
    python tools/analysis_tools/distill_layers.py \\
        --student configs/baselines/resnet20_cifar100.py \\
        --teacher mmkd::baselines/resnet32x4_cifar100.py --loss FitNetLoss
    # a picture of the distillation graph
    python tools/analysis_tools/distill_layers.py \\
        configs/mmdet/tiny/pkd_fpn_mask-rcnn_r34-r18_tiny-coco.py \\
        --out-graph pkd.png
"""
import argparse
import os.path as osp
import re
import sys
import warnings
from typing import Tuple

sys.path.insert(0,
                osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from mmkd.tool_env import prepare_tool  # noqa: E402

prepare_tool('tools/analysis_tools/distill_layers.py')

from mmkd.cli import run_cli  # noqa: E402

# noise from the libraries' imports and builds, not about the user's config
for _message in ('pkg_resources is deprecated', '``build_loss`` would be',
                 'Default ``avg_non_ignore``'):
    warnings.filterwarnings('ignore', message=_message)

TOOL = 'tools/analysis_tools/distill_layers.py'


def parse_size(text: str) -> Tuple[int, int]:
    match = re.fullmatch(r'(\d+)(?:[xX](\d+))?', text.strip())
    if not match:
        raise argparse.ArgumentTypeError(
            f'expected HxW such as 64x64 (or one number), got {text!r}')
    h = int(match.group(1))
    return h, int(match.group(2) or h)


def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='See docs/layer_finder.md.')
    parser.add_argument(
        'config',
        nargs='?',
        help='a distillation config (model.type SingleTeacherDistill); or '
        'give --student and --teacher instead')
    parser.add_argument(
        '--student',
        help='plain model config of the student (a path, or '
        'mmkd::/mmdet::/mmseg:: followed by a path in that package)')
    parser.add_argument('--teacher', help='plain model config of the teacher')
    parser.add_argument(
        '--loss',
        help='a loss type (KDLoss, FitNetLoss, PKDLoss, ATLoss, '
        'ChannelWiseDivergence, ...): suggest layer pairs and connectors '
        'for it and print a config snippet')
    parser.add_argument(
        '--depth',
        type=int,
        default=2,
        help='print modules down to this depth (1: top-level only); '
        'distilled layers are always printed. Defaults to 2.')
    parser.add_argument(
        '--random-input',
        type=parse_size,
        metavar='HxW',
        help='use a random batch of this image size instead of the data')
    parser.add_argument(
        '--batch-size', type=int, default=2, help='defaults to 2')
    parser.add_argument(
        '--out-graph',
        metavar='FILE',
        help='write a picture of the distillation graph (.png, .svg or '
        '.pdf; needs matplotlib)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value pairs such as '
        'model.teacher.type=resnet56 (with --student/--teacher: '
        'model.architecture.* and model.teacher.* reach the two models)')
    args = parser.parse_args(argv)
    if (args.student is None) != (args.teacher is None):
        parser.error('--student and --teacher go together')
    if args.student is not None and args.config is not None:
        parser.error('give a distillation CONFIG or --student and --teacher, '
                     'not both')
    if args.student is None and args.config is None:
        parser.error('give a distillation CONFIG, or --student STUDENT_CONFIG '
                     '--teacher TEACHER_CONFIG')
    if args.depth < 1:
        parser.error('--depth must be at least 1')
    if args.batch_size < 1:
        parser.error('--batch-size must be at least 1')
    if args.out_graph and osp.splitext(
            args.out_graph)[1].lower() not in ('.png', '.svg', '.pdf'):
        parser.error('--out-graph must end in .png, .svg or .pdf')
    return args


def main(argv=None):
    from mmkd.analysis import find_layers
    find_layers(parse_args(argv))


if __name__ == '__main__':
    run_cli(main, TOOL)
