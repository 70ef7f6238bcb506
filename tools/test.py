"""Evaluate a checkpoint on the test set of a config.

Examples:
    python tools/test.py configs/baselines/resnet20_cifar100.py epoch_240.pth
    python tools/test.py CONFIG CKPT --out results.pkl
    python tools/test.py DET_CONFIG CKPT --show-dir vis/ [--tta]
    bash tools/dist_test.sh CONFIG CKPT 8

A distillation config (one or several teachers, self-distillation, mutual
learning, data-free) evaluates the student of its own training checkpoint,
without needing the teachers' checkpoints. A distillation checkpoint given
with the student's own config is evaluated as the student (its
``architecture.*`` weights).
"""
import argparse
import copy
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from mmkd.tool_env import prepare_tool  # noqa: E402

prepare_tool('tools/test.py')  # the user's cwd; a Python without torch

from mmkd.cli import apply_common_args  # noqa: E402,E501
from mmkd.cli import add_common_arguments, build_runner, read_config, run_cli
from mmkd.cli.run_setup import strict_checkpoint_loading  # noqa: E402
from mmkd.cli.run_setup import usable_checkpoint


def parse_args():
    parser = argparse.ArgumentParser(
        description='Test (and evaluate) a checkpoint with mmkd')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir',
        help='the directory to save the file containing evaluation metrics')
    parser.add_argument(
        '--out',
        type=str,
        help='dump the predictions to a pickle file (.pkl) for offline '
        "evaluation (detectors: with mmdet's DumpDetResults)")
    parser.add_argument(
        '--show', action='store_true', help='show the predictions')
    parser.add_argument(
        '--show-dir',
        help='directory where painted predictions are saved; needs a '
        'visualization hook in default_hooks (mmdet and mmseg configs have '
        'one)')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='the interval of show (s)')
    parser.add_argument(
        '--tta', action='store_true', help='test-time augmentation')
    add_common_arguments(parser)
    return parser.parse_args()


def _is_algorithm(model_cfg) -> bool:
    """Whether the config's model is one of mmkd's distillation algorithms
    (one or several teachers, self-distillation, mutual learning,
    data-free), whose checkpoints hold the whole algorithm."""
    from mmkd.models.algorithms.base import BaseDistillAlgorithm
    from mmkd.registry import MODELS
    model_type = model_cfg.get('type') if hasattr(model_cfg, 'get') else None
    if isinstance(model_type, type):
        return issubclass(model_type, BaseDistillAlgorithm)
    if not isinstance(model_type, str):
        return False
    if model_type.startswith('mmkd.'):
        model_type = model_type[len('mmkd.'):]
    if '.' in model_type:
        return False
    cls = MODELS.get(model_type)
    return isinstance(cls, type) and issubclass(cls, BaseDistillAlgorithm)


def _without_teacher_files(model_cfg) -> None:
    """Only the students are evaluated: no teacher checkpoint is read (the
    teachers are not in the algorithm's checkpoint either)."""
    if 'teacher' in model_cfg:
        model_cfg.teacher_ckpt = None
        model_cfg.teacher_ckpt_optional = True
    for teacher in (model_cfg.get('teachers') or {}).values():
        teacher.ckpt = None
        teacher.ckpt_optional = True


def _visualize(cfg, args) -> None:
    hooks = cfg.get('default_hooks', {})
    if 'visualization' not in hooks:
        raise KeyError(
            '--show/--show-dir need a "visualization" hook in default_hooks '
            '(as mmdet and mmseg configs have); this config has none.')
    hook = hooks.visualization
    hook.draw = True
    if args.show:
        hook.show = True
        hook.wait_time = args.wait_time
    if args.show_dir:
        if cfg.get('default_scope') == 'mmseg':
            cfg.visualizer.save_dir = args.show_dir
        else:
            hook.test_out_dir = args.show_dir


def _test_time_augmentation(cfg) -> None:
    if 'tta_model' not in cfg or 'tta_pipeline' not in cfg:
        if cfg.get('default_scope') != 'mmdet':
            raise KeyError(
                '--tta needs tta_model and tta_pipeline in the config (mmdet '
                'and mmseg configs for TTA define them).')
        # mmdet's defaults: horizontal flip, boxes merged by NMS
        cfg.setdefault(
            'tta_model',
            dict(
                type='DetTTAModel',
                tta_cfg=dict(
                    nms=dict(type='nms', iou_threshold=0.5), max_per_img=100)))
        if 'tta_pipeline' not in cfg:
            pipeline = copy.deepcopy(cfg.test_dataloader.dataset.pipeline)
            pipeline[-1] = dict(
                type='TestTimeAug',
                transforms=[[
                    dict(type='RandomFlip', prob=1.),
                    dict(type='RandomFlip', prob=0.)
                ],
                            [
                                dict(
                                    type='PackDetInputs',
                                    meta_keys=('img_id', 'img_path',
                                               'ori_shape', 'img_shape',
                                               'scale_factor', 'flip',
                                               'flip_direction'))
                            ]])
            cfg.tta_pipeline = pipeline
    cfg.model = dict(**cfg.tta_model, module=cfg.model)
    cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline


def _dump(cfg, path: str) -> None:
    if not path.endswith(('.pkl', '.pickle')):
        raise ValueError(f'--out must be a .pkl file, got "{path}".')
    dumper = 'mmdet.DumpDetResults' if cfg.get(
        'default_scope') == 'mmdet' else 'DumpResults'
    dump = dict(type=dumper, out_file_path=path)
    evaluator = cfg.test_evaluator
    if isinstance(evaluator, (list, tuple)):
        cfg.test_evaluator = [*evaluator, dump]
    elif 'metrics' in evaluator:
        metrics = evaluator.metrics
        if not isinstance(metrics, (list, tuple)):
            metrics = [metrics]
        evaluator.metrics = [*metrics, dump]
    else:
        cfg.test_evaluator = [evaluator, dump]


def student_checkpoint(path: str, work_dir: str) -> str:
    """``path``, or, for a distillation checkpoint, a student-only copy in
    ``work_dir`` (its ``architecture.*`` weights under the student's own
    names)."""
    import os

    import torch

    from mmkd.utils.checkpoint_loader import load_checkpoint_safely
    ckpt = load_checkpoint_safely(path, logger='silent')
    state = ckpt.get('state_dict', ckpt)
    prefix = 'architecture.'
    if not any(k.startswith(prefix) for k in state):
        return path
    student = {
        k[len(prefix):]: v
        for k, v in state.items() if k.startswith(prefix)
    }
    os.makedirs(work_dir, exist_ok=True)
    out = osp.join(work_dir, 'student_of_' + osp.basename(path))
    torch.save(dict(meta=ckpt.get('meta', {}), state_dict=student), out)
    print(f'{path} is a distillation checkpoint: evaluating its student '
          f'({len(student)} tensors, written to {out}; '
          'tools/model_converters/export_student.py makes such a file).')
    return out


def apply_args(cfg, args):
    """Fold the command-line flags into the config."""
    cfg = apply_common_args(cfg, args, args.config)
    checkpoint = usable_checkpoint(args.checkpoint, 'Checkpoint')
    if _is_algorithm(cfg.model):
        # the checkpoint holds the whole algorithm; only its student(s) are
        # evaluated, so no teacher file is needed
        _without_teacher_files(cfg.model)
    elif not args.checkpoint.startswith(('http://', 'https://')):
        checkpoint = student_checkpoint(checkpoint, cfg.work_dir)
    cfg.load_from = checkpoint
    cfg.resume = False
    if args.show or args.show_dir:
        _visualize(cfg, args)
    if args.tta:
        _test_time_augmentation(cfg)
    if args.out is not None:
        _dump(cfg, args.out)
    return cfg


def main(phase):
    args = parse_args()
    cfg = apply_args(read_config(args.config, args.cfg_options), args)
    runner = build_runner(cfg)
    strict_checkpoint_loading(runner, cfg)
    phase.start()
    runner.test()


if __name__ == '__main__':
    run_cli(main, 'tools/test.py')
