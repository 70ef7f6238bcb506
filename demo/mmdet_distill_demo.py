"""mmkd's detection demo: PKD distillation of a small Mask R-CNN on a
generated COCO-format data set, offline on the CPU, three seeds by default.

For each seed, from the configs in ``configs/mmdet/tiny/``:

1. the teacher, Mask R-CNN R34-FPN, is trained (``--teacher-epochs``);
2. the student, Mask R-CNN R18-FPN, is trained alone (``--epochs``);
3. the same student is distilled from that teacher with PKD on the FPN
   outputs (``pkd_fpn_mask-rcnn_r34-r18_tiny-coco.py``, same ``--epochs``).

It prints a progress line per run (with the time left) and the COCO bbox
and segm mAP (``runner.test()``) of the three on the validation images:
mean +- std over the seeds (``--seeds``, default 3), or the values of one
seed.

The data set (``tools/dataset_converters/tiny_coco.py``) is generated into
``--data-root`` if it is not there yet: 128 x 128 images of 1 to 3 filled
squares, circles and triangles on a plain background, COCO 2017 layout.
Delete the folder to generate it again with other sizes.

What the numbers mean: this is a toy, not a benchmark. The images are
synthetic and easy, there are a few dozen of them, the models train from
scratch for a few hundred iterations, and the 24 validation images hold
about 50 objects, so one seed's mAP moves by several points with the seed
alone. PKD does not improve this student: over 3 seeds the distilled
student's bbox mAP was 0.650 +- 0.041 against 0.680 +- 0.035 alone (per
seed +0.027, -0.094, -0.024), and its segm mAP the same (0.749 +- 0.008 vs
0.748 +- 0.041); a single seed can show a gain or a loss of several points.
What the demo shows is that the whole pipeline works (teacher training,
distillation from the frozen teacher loaded from its checkpoint, COCO
evaluation of boxes and masks) and how much distillation changes the
student, not what PKD gains on a real data set.

The defaults on 2 CPU cores (14 min 18 s in all: about 4 minutes a seed,
and the first teacher slowed by another job; see docs/detection.md)::

    | model                |       bbox mAP |       segm mAP |
    |----------------------|----------------|----------------|
    | teacher (R34)        | 0.749 +- 0.007 | 0.800 +- 0.009 |
    | student alone (R18)  | 0.680 +- 0.035 | 0.748 +- 0.041 |
    | student + PKD (R18)  | 0.650 +- 0.041 | 0.749 +- 0.008 |

To finish in minutes on two CPU cores the demo overrides, besides data
paths and schedules, the training-time sampling of the configs (the RPN
keeps 200 proposals per image instead of 1000 and the R-CNN head samples 128
RoIs per image instead of 512; RoIAlign on the CPU dominates the step time),
and lowers the learning rate to 0.01 with gradient clipping at norm 10,
which keeps these from-scratch models from diverging. The test-time settings
are the configs' own.

    python demo/mmdet_distill_demo.py [--work-dir work_dirs/mmdet_demo]
        [--data-root data/tiny_coco_demo] [--num-train 48] [--num-val 24]
        [--epochs 8] [--teacher-epochs 12] [--seeds 3]
"""
import argparse
import contextlib
import copy
import io
import json
import os.path as osp
import sys
import time
import warnings
from typing import Dict, Optional, Tuple

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
from tiny_coco import make_tiny_coco  # noqa: E402

from mmkd.utils import install_safe_checkpoint_loader  # noqa: E402

CONFIG_DIR = osp.join(
    osp.dirname(osp.dirname(osp.abspath(__file__))), 'configs', 'mmdet',
    'tiny')
STUDENT_CONFIG = 'mask-rcnn_r18_fpn_tiny-coco.py'
TEACHER = 'teacher (R34)'
RUNS = (
    (TEACHER, 'mask-rcnn_r34_fpn_tiny-coco.py'),
    ('student alone (R18)', STUDENT_CONFIG),
    ('student + PKD (R18)', 'pkd_fpn_mask-rcnn_r34-r18_tiny-coco.py'),
)
METRICS = ('coco/bbox_mAP', 'coco/segm_mAP')
# a run's duration relative to the student's (12-epoch R34 teacher, 8-epoch
# R18 with PKD), measured on 2 cores; for the first time-left estimates
RELATIVE_COST = {
    TEACHER: 1.8,
    'student alone (R18)': 1.0,
    'student + PKD (R18)': 1.2
}
IMG_SIZE = 128
LR = 0.01
CLIP_GRAD = dict(max_norm=10, norm_type=2)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/mmdet_demo')
    parser.add_argument(
        '--data-root',
        default='data/tiny_coco_demo',
        help='generated here if it has no annotations yet')
    parser.add_argument(
        '--num-train', type=int, default=48, help='training images')
    parser.add_argument(
        '--num-val', type=int, default=24, help='validation images')
    parser.add_argument(
        '--epochs',
        type=int,
        default=8,
        help='epochs of the student, alone and distilled')
    parser.add_argument(
        '--teacher-epochs',
        type=int,
        default=None,
        help='epochs of the teacher (default: 1.5 x --epochs)')
    parser.add_argument(
        '--seeds', type=int, default=3, help='number of seeds per model')
    return parser.parse_args()


def count_images(root: str) -> Tuple[int, int]:
    """Numbers of training and validation images of a COCO-format set."""
    counts = []
    for split in ('train2017', 'val2017'):
        with open(osp.join(root, 'annotations',
                           f'instances_{split}.json')) as f:
            counts.append(len(json.load(f)['images']))
    return counts[0], counts[1]


def prepare_data(root: str, num_train: int, num_val: int) -> Tuple[int, int]:
    """Generate the tiny COCO-format set into ``root`` unless it exists.

    Returns:
        tuple: The numbers of training and validation images in ``root``.
    """
    ann = osp.join(root, 'annotations', 'instances_val2017.json')
    if osp.isfile(ann):
        num_train, num_val = count_images(root)
        print(
            f'Using the data set in {root} ({num_train} training and '
            f'{num_val} validation images; delete it to generate another)',
            flush=True)
    else:
        make_tiny_coco(
            root, num_train=num_train, num_val=num_val, img_size=IMG_SIZE)
        print(
            f'Generated {num_train} training and {num_val} validation '
            f'images in {root}',
            flush=True)
    return num_train, num_val


def fast_train_cfg() -> Config:
    """The student's training-time ``train_cfg`` with fewer proposals and
    sampled RoIs (the test-time settings are unchanged)."""
    train_cfg = Config.fromfile(osp.join(CONFIG_DIR,
                                         STUDENT_CONFIG)).model.train_cfg
    train_cfg.rpn_proposal.nms_pre = 500
    train_cfg.rpn_proposal.max_per_img = 200
    train_cfg.rcnn.sampler.num = 128
    return train_cfg


def build_cfg(config: str,
              work_dir: str,
              data_root: str,
              seed: int,
              epochs: int,
              teacher_ckpt: Optional[str] = None) -> Config:
    """Load one config of ``configs/mmdet/tiny`` and apply the demo's
    overrides."""
    # ERROR: no MMEngine deprecation warnings repeated for every run
    cfg = load_run_cfg(
        osp.join(CONFIG_DIR, config), work_dir, seed, log_level='ERROR')

    root = osp.abspath(data_root) + '/'
    ann = root + 'annotations/instances_val2017.json'
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = root
    cfg.train_dataloader.dataset.ann_file = \
        'annotations/instances_train2017.json'
    for loader in ('val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.ann_file = 'annotations/instances_val2017.json'
    cfg.val_evaluator.ann_file = ann
    cfg.test_evaluator.ann_file = ann

    cfg.train_cfg.max_epochs = epochs
    cfg.train_cfg.val_interval = epochs
    # the configs' 12-epoch step schedule, rescaled: x0.1 at 3/4 of training
    cfg.param_scheduler[1].milestones = [max(1, round(epochs * 3 / 4))]
    cfg.optim_wrapper.optimizer.lr = LR
    cfg.optim_wrapper.clip_grad = CLIP_GRAD
    # keep only the final checkpoint: the teacher's is what PKD loads
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', interval=epochs, max_keep_ckpts=1)
    cfg.default_hooks.logger.interval = 50

    if teacher_ckpt is not None:
        cfg.model.teacher_ckpt = teacher_ckpt
        # the student of the distiller is built from its config file; the
        # remaining keys of `architecture` override that file's model
        cfg.model.architecture.train_cfg = fast_train_cfg()
        drop_teacher_evaluation(cfg)
    else:
        cfg.model.train_cfg = fast_train_cfg()
    return cfg


def train_and_test(cfg: Config) -> Tuple[Dict[str, float], str]:
    """Train, then test on the validation images.

    Returns:
        tuple: ``{'coco/bbox_mAP': ..., 'coco/segm_mAP': ...}`` (0 when the
        model detected nothing) and the path of the final checkpoint.
    """
    # pycocotools prints its summaries; keep them out of the demo's output
    with contextlib.redirect_stdout(io.StringIO()):
        runner = Runner.from_cfg(copy.deepcopy(cfg))
        runner.train()
        metrics = runner.test()
    scores = {key: float(metrics.get(key, 0.0)) for key in METRICS}
    ckpt = osp.join(cfg.work_dir, f'epoch_{cfg.train_cfg.max_epochs}.pth')
    return scores, ckpt


def main():
    args = parse_args()
    warnings.filterwarnings('ignore')  # the demo prints its own lines
    install_safe_checkpoint_loader()  # the distilled runs load the teacher's
    teacher_epochs = args.teacher_epochs or max(1, round(args.epochs * 1.5))
    num_train, num_val = prepare_data(args.data_root, args.num_train,
                                      args.num_val)
    start = time.time()

    def run(name, config, seed, teacher_ckpt):
        cfg = build_cfg(
            config,
            osp.join(args.work_dir, f'{osp.splitext(config)[0]}_seed{seed}'),
            args.data_root,
            seed,
            teacher_epochs if name == TEACHER else args.epochs,
            teacher_ckpt=teacher_ckpt if config.startswith('pkd_') else None)
        return train_and_test(cfg)

    runs = run_seeds(
        RUNS, args.seeds, TEACHER, run,
        lambda scores: f'bbox mAP {scores[METRICS[0]]:.3f}, segm mAP '
        f'{scores[METRICS[1]]:.3f}', RELATIVE_COST)
    results = {
        name: {
            key: [s[key] for s in per_seed]
            for key in METRICS
        }
        for name, per_seed in runs.items()
    }

    print(f'\nCOCO mAP on the {num_val} validation images '
          f'({num_train} training images; teacher {teacher_epochs} '
          f'epochs, students {args.epochs}), {args.seeds} '
          f'seed{"s" if args.seeds > 1 else ""} '
          f'({time.time() - start:.0f} s in all):')
    print(f'| {"model":<20} | {"bbox mAP":>14} | {"segm mAP":>14} |')
    print(f'|{"-" * 22}|{"-" * 16}|{"-" * 16}|')
    for name, scores in results.items():
        print(f'| {name:<20} | {mean_std(scores[METRICS[0]], 3):>14} | '
              f'{mean_std(scores[METRICS[1]], 3):>14} |')


if __name__ == '__main__':
    main()
