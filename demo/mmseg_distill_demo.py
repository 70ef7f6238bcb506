"""mmkd's segmentation demo: CWD distillation of a small PSPNet on a
generated segmentation data set, offline on the CPU in a few minutes.

For each seed, from the configs in ``configs/mmseg/tiny/``:

1. the teacher, PSPNet R34-d8 (half width), is trained
   (``--teacher-iters``);
2. the student, PSPNet R18-d8 (quarter width), is trained alone
   (``--iters``);
3. the same student is distilled from that teacher with channel-wise
   distillation on the logits (``cwd_logits_pspnet_r34-r18_tiny-seg.py``,
   same ``--iters``).

It prints the mIoU (mmseg's ``IoUMetric``, ``runner.test()``) of the three
on the validation images: the mean and spread over the seeds, or the value
of the one seed.

The data set (``tools/dataset_converters/tiny_seg.py``) is generated into
``--data-root`` if it is not there yet: 64 x 64 images of 1 to 3 filled
squares, circles and triangles on a plain background, 4 classes with the
background, shape outlines ignored (255), mmseg's ``img_dir``/``ann_dir``
layout. Delete the folder to generate it again with other sizes.

What the numbers mean: this is a toy, not a benchmark. The images are
synthetic, the models train from scratch for a few hundred iterations and
the validation set is small, so mIoU moves by a point or two with the seed
alone. The small student trained alone is far from converged after 300
iterations, while the distilled one follows a converged teacher, so the gap
between them is large here; it shows that the whole pipeline works (teacher
training, distillation from the frozen teacher loaded from its checkpoint,
mIoU evaluation), not what CWD gains on Cityscapes. Use ``--seeds`` for a
mean and spread.

One run of the defaults on 2 CPU cores (109 s in all)::

    | model                |           mIoU |
    |----------------------|----------------|
    | teacher (R34)        |          86.81 |
    | student alone (R18)  |          42.66 |
    | student + CWD (R18)  |          85.11 |

and with ``--seeds 3``: teacher 87.27 +- 0.19, student alone 44.21 +- 2.06,
student + CWD 86.18 +- 1.47 (docs/segmentation.md).

    python demo/mmseg_distill_demo.py [--work-dir work_dirs/mmseg_demo]
        [--data-root data/tiny_seg_demo] [--num-train 64] [--num-val 16]
        [--iters 300] [--teacher-iters 600] [--seeds 1]
"""
import argparse
import copy
import os
import os.path as osp
import sys
import time
from typing import Optional, Tuple

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

# the tiny data generators (test and demo data) live with their tools
sys.path.insert(
    0,
    osp.join(
        osp.dirname(osp.dirname(osp.abspath(__file__))), 'tools',
        'dataset_converters'))

from mmengine.config import Config  # noqa: E402
from mmengine.runner import Runner  # noqa: E402
from seed_runs import load_run_cfg  # noqa: E402
from seed_runs import drop_teacher_evaluation, mean_std, run_seeds
from tiny_seg import make_tiny_seg  # noqa: E402

from mmkd.utils import install_safe_checkpoint_loader  # noqa: E402

CONFIG_DIR = osp.join(
    osp.dirname(osp.dirname(osp.abspath(__file__))), 'configs', 'mmseg',
    'tiny')
TEACHER = 'teacher (R34)'
RUNS = (
    (TEACHER, 'pspnet_r34_tiny-seg.py'),
    ('student alone (R18)', 'pspnet_r18_tiny-seg.py'),
    ('student + CWD (R18)', 'cwd_logits_pspnet_r34-r18_tiny-seg.py'),
)
IMG_SIZE = 64


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/mmseg_demo')
    parser.add_argument(
        '--data-root',
        default='data/tiny_seg_demo',
        help='generated here if it has no images yet')
    parser.add_argument(
        '--num-train', type=int, default=64, help='training images')
    parser.add_argument(
        '--num-val', type=int, default=16, help='validation images')
    parser.add_argument(
        '--iters',
        type=int,
        default=300,
        help='iterations of the student, alone and distilled')
    parser.add_argument(
        '--teacher-iters',
        type=int,
        default=None,
        help='iterations of the teacher (default: 2 x --iters)')
    parser.add_argument(
        '--seeds', type=int, default=1, help='number of seeds per model')
    return parser.parse_args()


def prepare_data(root: str, num_train: int, num_val: int) -> Tuple[int, int]:
    """Generate the tiny segmentation set into ``root`` unless it exists.

    Returns:
        tuple: The numbers of training and validation images in ``root``.
    """
    val_dir = osp.join(root, 'img_dir', 'val')
    if osp.isdir(val_dir) and os.listdir(val_dir):
        num_train = len(os.listdir(osp.join(root, 'img_dir', 'train')))
        num_val = len(os.listdir(val_dir))
        print(
            f'Using the data set in {root} ({num_train} training and '
            f'{num_val} validation images; delete it to generate another)',
            flush=True)
    else:
        make_tiny_seg(
            root, num_train=num_train, num_val=num_val, img_size=IMG_SIZE)
        print(
            f'Generated {num_train} training and {num_val} validation '
            f'images in {root}',
            flush=True)
    return num_train, num_val


def build_cfg(config: str,
              work_dir: str,
              data_root: str,
              seed: int,
              iters: int,
              teacher_ckpt: Optional[str] = None) -> Config:
    """Load one config of ``configs/mmseg/tiny`` and apply the demo's
    overrides (data root, schedule length, quiet logs)."""
    cfg = load_run_cfg(osp.join(CONFIG_DIR, config), work_dir, seed)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = osp.abspath(data_root)
    cfg.train_cfg.max_iters = iters
    cfg.train_cfg.val_interval = iters
    cfg.param_scheduler[0].end = iters
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook',
        by_epoch=False,
        interval=iters,
        max_keep_ckpts=1)
    cfg.default_hooks.logger.interval = 100
    if teacher_ckpt is not None:
        cfg.model.teacher_ckpt = teacher_ckpt
        drop_teacher_evaluation(cfg)
    return cfg


def train_and_test(cfg: Config) -> Tuple[float, str]:
    """Train, then test on the validation images.

    Returns:
        tuple: The mIoU (0-100) and the path of the final checkpoint.
    """
    runner = Runner.from_cfg(copy.deepcopy(cfg))
    runner.train()
    metrics = runner.test()
    ckpt = osp.join(cfg.work_dir, f'iter_{cfg.train_cfg.max_iters}.pth')
    return float(metrics['mIoU']), ckpt


def main():
    args = parse_args()
    install_safe_checkpoint_loader()  # the distilled runs load the teacher's
    teacher_iters = args.teacher_iters or 2 * args.iters
    num_train, num_val = prepare_data(args.data_root, args.num_train,
                                      args.num_val)
    start = time.time()

    def run(name, config, seed, teacher_ckpt):
        cfg = build_cfg(
            config,
            osp.join(args.work_dir, f'{osp.splitext(config)[0]}_seed{seed}'),
            args.data_root,
            seed,
            teacher_iters if name == TEACHER else args.iters,
            teacher_ckpt=teacher_ckpt if config.startswith('cwd_') else None)
        return train_and_test(cfg)

    results = run_seeds(RUNS, args.seeds, TEACHER, run,
                        lambda score: f'mIoU {score:.2f}')

    print(f'\nmIoU on the {num_val} validation images ({num_train} '
          f'training images; teacher {teacher_iters} iterations, students '
          f'{args.iters}), {args.seeds} seed{"s" if args.seeds > 1 else ""} '
          f'({time.time() - start:.0f} s in all):')
    print(f'| {"model":<20} | {"mIoU":>14} |')
    print(f'|{"-" * 22}|{"-" * 16}|')
    for name, scores in results.items():
        print(f'| {name:<20} | {mean_std(scores):>14} |')


if __name__ == '__main__':
    main()
