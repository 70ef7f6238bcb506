"""Measure what distillation costs on top of training the student.

In one process, on one random batch, interleaving the measurements so that
machine noise hits all of them alike, it times:

- ``student``: the student's own train step (forward in loss mode,
  backward, SGD step);
- ``teacher``: the teacher's full forward under ``no_grad``;
- ``teacher (as run)``: the teacher's forward as the algorithm runs it
  (stopped after the last recorded layer);
- ``distill``: the algorithm's train step (teacher + student + distill
  losses, backward, step);

and prints ``overhead = distill / (student + teacher)``, the stricter
``distill / (student + teacher as run)`` (what mmkd itself adds: recorders,
connectors, losses) and which of the
teacher's top-level modules never run during distill steps (e.g. an mmdet
teacher's ``rpn_head`` and ``roi_head`` when only FPN features are
distilled).

The batch is one batch of the config's training data (point data roots at
your data with ``--cfg-options``); a classification config whose data is not
on disk gets a random batch instead.

    python tools/analysis_tools/benchmark_distill.py configs/kd/vid_r20.py \\
        [--batch-size 64] [--iters 20] [--input-size 3 32 32]

The teacher is random (its checkpoint is not needed to measure time).
"""
import argparse
import copy
import os.path as osp
import statistics
import sys
import time

sys.path.insert(
    0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import torch  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

from mmkd.registry import MODELS  # noqa: E402
from mmkd.structures import ClsDataSample  # noqa: E402
from mmkd.utils import (install_safe_checkpoint_loader,  # noqa: E402
                        register_config_scope)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='distillation config')
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--iters', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument(
        '--input-size', type=int, nargs=3, default=(3, 32, 32))
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def make_batch(cfg, algo, args):
    """One preprocessed training batch: real data, or random images for a
    classifier whose data set is not on disk."""
    from mmengine.runner import Runner
    loader_cfg = copy.deepcopy(cfg.train_dataloader)
    loader_cfg.update(
        batch_size=args.batch_size, num_workers=0, persistent_workers=False)
    try:
        data = next(iter(Runner.build_dataloader(loader_cfg, seed=0)))
        source = 'a batch of the training data'
    except FileNotFoundError as err:
        if not hasattr(algo.architecture, 'num_classes'):
            raise FileNotFoundError(
                f'{err} The benchmark needs one batch of the training data; '
                'point the data roots at it with --cfg-options.') from None
        num_classes = algo.architecture.num_classes
        data = dict(
            inputs=list(
                torch.randint(0, 256, (args.batch_size, *args.input_size),
                              dtype=torch.uint8)),
            data_samples=[
                ClsDataSample(metainfo=dict(sample_idx=i)).set_gt_label(
                    i % num_classes) for i in range(args.batch_size)
            ])
        source = 'random images (the data set is not on disk)'
    processed = algo.data_preprocessor(data, True)
    return processed['inputs'], processed['data_samples'], source


def teacher_children_run(algo, step, iters=2):
    """Names of the teacher's top-level modules that ran in ``step``."""
    ran = set()
    # Hooks on every submodule, credited to its top-level parent: mmdet
    # calls some heads' ``forward()`` directly, which fires no hook on the
    # head itself but does on the layers inside it.
    handles = [
        # prepended: the early-stop hook may raise right after the module
        module.register_forward_hook(
            lambda mod, i, o, name=name.split('.')[0]: ran.add(name),
            prepend=True)
        for name, module in algo.teacher.named_modules() if name
    ]
    try:
        for _ in range(iters):
            step()
    finally:
        for handle in handles:
            handle.remove()
    return ran


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main():
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    install_safe_checkpoint_loader()
    register_config_scope()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmkd'))
    model_cfg = cfg.model
    model_cfg.teacher_ckpt = None
    model_cfg.teacher_ckpt_optional = True
    if cfg.get('data_preprocessor') is not None:  # as the Runner does
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    algo = MODELS.build(model_cfg).train()
    student, teacher = algo.architecture, algo.teacher

    torch.manual_seed(0)
    inputs, samples, source = make_batch(cfg, algo, args)
    # lr=0: the step does all of SGD's work but leaves the weights as they
    # are, so every timed run sees the same model (training on one batch for
    # many steps can diverge, e.g. YOLOX's SimOTA then fails on NaNs).
    student_opt = torch.optim.SGD(student.parameters(), lr=0.0)
    algo_opt = torch.optim.SGD(algo.parameters(), lr=0.0)

    def student_step():
        student_opt.zero_grad()
        loss, _ = student.parse_losses(student(inputs, samples, mode='loss'))
        loss.backward()
        student_opt.step()

    @torch.no_grad()
    def teacher_forward():
        teacher(inputs, samples, mode='tensor')

    def teacher_as_run():
        algo.run_teacher(inputs, samples)
        algo.distiller.reset()

    def distill_step():
        algo_opt.zero_grad()
        loss, _ = algo.parse_losses(algo(inputs, samples, mode='loss'))
        loss.backward()
        algo_opt.step()

    steps = dict(
        student=student_step,
        teacher=teacher_forward,
        teacher_as_run=teacher_as_run,
        distill=distill_step)
    for _ in range(args.warmup):
        for fn in steps.values():
            fn()
    times = {name: [] for name in steps}
    for _ in range(args.iters):
        for name, fn in steps.items():
            times[name].append(timed(fn))
    med = {name: statistics.median(t) * 1000 for name, t in times.items()}

    overhead = med['distill'] / (med['student'] + med['teacher'])
    skipped = sorted(
        set(name for name, _ in teacher.named_children()) -
        teacher_children_run(algo, distill_step) - {'data_preprocessor'})
    print(f'config: {args.config}')
    print(f'batch {args.batch_size} ({source}, inputs '
          f'{tuple(inputs.shape)}), {torch.get_num_threads()} threads, '
          f'median of {args.iters} interleaved runs')
    print(f'| {"measurement":<36} | {"ms":>9} |')
    print(f'|{"-" * 38}|{"-" * 11}|')
    rows = [
        ('student train step', med['student']),
        ('teacher forward (full)', med['teacher']),
        ('teacher forward (as distill runs it)', med['teacher_as_run']),
        ('distill train step', med['distill']),
    ]
    for name, value in rows:
        print(f'| {name:<36} | {value:9.2f} |')
    print(f'overhead = distill / (student + teacher) = {overhead:.3f}')
    as_run = med['distill'] / (med['student'] + med['teacher_as_run'])
    print(f'overhead vs teacher as run = distill / (student + teacher as '
          f'run) = {as_run:.3f}')
    print(f'teacher as run / full forward = '
          f'{med["teacher_as_run"] / med["teacher"]:.3f}')
    print('teacher modules never run in distill steps: ' +
          (', '.join(skipped) if skipped else 'none'))


if __name__ == '__main__':
    main()
