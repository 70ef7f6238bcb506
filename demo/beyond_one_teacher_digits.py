"""Distillation beyond one fixed teacher on the 8x8 digits that scikit-learn
ships: several teachers, self-distillation, mutual learning and data-free
distillation, each against its baseline, from the configs in
``configs/digits/``.

For each seed it trains two teachers (cnn64x5, cnn32x3), the cnn8x2,
cnn16x2 and cnn8x4 students alone, the cnn8x2 student with KD from each
teacher and from both (EnsembleKDLoss), the four-stage cnn8x4 with
self-distillation, cnn8x2 and cnn16x2 by mutual learning (DML), and cnn8x2
by DAFL from the cnn64x5 teacher without any real training image. It
prints the test top-1 of every run (mean +- std over the seeds). Two worker
processes share the runs: 6.5 CPU-minutes, so about 3.5 minutes on two
free cores (8.4 minutes measured on 2 cores shared with other jobs).

    python demo/beyond_one_teacher_digits.py [--seeds 3] [--workers 2]
"""
import argparse
import os
import os.path as osp
import re
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from multiprocessing import get_context

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DIGITS = osp.join(REPO, 'configs', 'digits')

# name -> (config, overrides, teachers it needs: {cfg key: teacher run})
RUNS = {
    'teacher cnn64x5': ('cnn64x5_digits.py', {}, {}),
    'teacher cnn32x3': ('cnn32x3_digits.py', {}, {}),
    'cnn8x2 alone': ('cnn8x2_digits.py', {}, {}),
    'cnn16x2 alone': ('cnn8x2_digits.py', {
        'model.channels': 16
    }, {}),
    'cnn8x4 alone': ('cnn8x2_digits.py', {
        'model.num_convs': 4
    }, {}),
    'cnn8x2 + KD (cnn64x5)': ('kd_cnn64x5_cnn8x2_digits.py', {}, {
        'model.teacher_ckpt': 'teacher cnn64x5'
    }),
    'cnn8x2 + KD (cnn32x3)': ('kd_cnn64x5_cnn8x2_digits.py', {
        'model.teacher.channels': 32,
        'model.teacher.num_convs': 3
    }, {
        'model.teacher_ckpt': 'teacher cnn32x3'
    }),
    'cnn8x2 + KD (both, ensemble)':
    ('multi_teacher_cnn64x5_cnn32x3_cnn8x2_digits.py', {}, {
        'model.teachers.cnn64x5.ckpt': 'teacher cnn64x5',
        'model.teachers.cnn32x3.ckpt': 'teacher cnn32x3'
    }),
    'cnn8x4 self-distilled': ('self_distill_cnn8x4_digits.py', {}, {}),
    'DML (cnn8x2 + cnn16x2)': ('dml_cnn8x2_cnn16x2_digits.py', {}, {}),
    'cnn8x2 DAFL (no real images)': ('dafl_cnn64x5_cnn8x2_digits.py', {}, {
        'model.teacher_ckpt': 'teacher cnn64x5'
    }),
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seeds', type=int, default=3)
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument(
        '--work-dir', default='work_dirs/beyond_one_teacher_digits')
    return parser.parse_args()


def run_one(name: str, seed: int, work_root: str, ckpts: dict) -> dict:
    """Train one run and test it; returns ``{label: top-1}`` (DML gives one
    label per student) and the final checkpoint."""
    import torch
    torch.set_num_threads(1)
    sys.path.insert(0, REPO)
    sys.path.insert(0, osp.join(REPO, 'demo'))
    from mmengine.runner import Runner
    from seed_runs import drop_teacher_evaluation, load_run_cfg

    from mmkd.utils import install_safe_checkpoint_loader
    install_safe_checkpoint_loader()
    config, overrides, needs = RUNS[name]
    slug = re.sub(r'[^A-Za-z0-9]+', '_', name).strip('_')
    work_dir = osp.join(work_root, f'{slug}_seed{seed}')
    # the run's own output (MMEngine's log, library warnings) goes to its
    # log file, not between the demo's result lines
    os.makedirs(work_root, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    with open(f'{work_dir}.log', 'w') as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
    cfg = load_run_cfg(osp.join(DIGITS, config), work_dir, seed)
    cfg.merge_from_dict(overrides)
    cfg.merge_from_dict({key: ckpts[run] for key, run in needs.items()})
    drop_teacher_evaluation(cfg)
    epochs = cfg.train_cfg.max_epochs
    cfg.train_cfg.val_interval = epochs  # validate once, at the end
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=epochs)
    tic = time.time()
    runner = Runner.from_cfg(cfg)
    runner.train()
    model = runner.model
    if hasattr(model, 'students'):  # DML: test every student
        scores = {}
        for i, student in enumerate(('cnn8x2', 'cnn16x2')):
            model.evaluate_student = i
            scores[f'{student} by DML'] = runner.test()['accuracy/top1']
    else:
        scores = {name: runner.test()['accuracy/top1']}
    return dict(
        scores=scores,
        seconds=time.time() - tic,
        ckpt=osp.join(work_dir, f'epoch_{epochs}.pth'))


def next_job(todo, ckpts):
    """The next run whose teachers are trained: the long DAFL runs and the
    teachers first, so that two workers stay busy to the end."""
    ready = [(name, seed) for name, seed in todo
             if all((run, seed) in ckpts for run in RUNS[name][2].values())]
    if not ready:
        return None
    return min(
        ready,
        key=lambda job:
        ('DAFL' not in job[0], 'teacher' not in job[0], job[1]))


def main():
    args = parse_args()
    os.environ.setdefault('OMP_NUM_THREADS', '1')
    start = time.time()
    results, ckpts = {}, {}
    todo = [(name, seed) for seed in range(args.seeds) for name in RUNS]
    with ProcessPoolExecutor(
            args.workers, mp_context=get_context('spawn')) as pool:
        running = {}
        while todo or running:
            while len(running) < args.workers:
                job = next_job(todo, ckpts)
                if job is None:
                    break
                todo.remove(job)
                running[pool.submit(run_one, *job, args.work_dir,
                                    {n: ckpts.get((n, job[1]))
                                     for n in RUNS})] = job
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                name, seed = running.pop(future)
                out = future.result()
                ckpts[(name, seed)] = out['ckpt']
                for label, top1 in out['scores'].items():
                    results.setdefault(label, {})[seed] = top1
                print(
                    f'seed {seed}, {name}: ' +
                    ', '.join(f'{v:.2f}' for v in out['scores'].values()) +
                    f' ({out["seconds"]:.0f} s)',
                    flush=True)

    sys.path.insert(0, osp.join(REPO, 'demo'))
    from seed_runs import mean_std
    print(f'\nTest top-1 on the 597 held-out digits, {args.seeds} seeds, '
          f'{args.workers} workers ({time.time() - start:.0f} s in all; '
          f'each run\'s log: {args.work_dir}/*.log):')
    print('| model | test top-1 (%) |\n| --- | --- |')
    labels = [
        label for name in RUNS for label in results
        if label == name or (name.startswith('DML') and 'DML' in label)
    ]
    for label in dict.fromkeys(labels):
        accs = [results[label][seed] for seed in sorted(results[label])]
        print(f'| {label} | {mean_std(accs)} |')


if __name__ == '__main__':
    main()
