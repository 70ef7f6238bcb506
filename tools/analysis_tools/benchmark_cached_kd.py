"""Measure what training from the teacher output cache costs next to the
student alone (and next to KD that runs the teacher).

In one process, on one random batch, interleaving the measurements (in a
rotating order) so that machine noise hits all of them alike, it times
(medians):

- ``student``: the student's own train step (forward in loss mode,
  backward, SGD step);
- ``cached KD``: the ``CachedTeacherDistill`` train step of the config
  (student + ``CachedKDLoss`` on the batch's cached top-k soft labels);
- ``KD with teacher``: the same recipe run as ``SingleTeacherDistill``
  with ``KDLoss`` (the teacher's forward every step), for reference;
- ``data``: a batch through the plain pipeline (``RandomCrop``,
  ``RandomFlip``, ``PackClsInputs``) and through ``TeacherCacheReplay``
  reading a temporary cache of the same size per sample (memory-mapped
  look-up, replay, soft label into the data sample);
- ``hand-off`` (``--handoff-batches``, with the config's
  ``num_workers``): what receiving a batch from the dataloader workers
  costs the main process (its CPU time per batch: unpickling, and one
  shared-memory segment per tensor), plain against cached batches.

    python tools/analysis_tools/benchmark_cached_kd.py \\
        configs/kd/cached_kd/cached_kd_resnet56_resnet20.py \\
        [--batch-size 64] [--iters 20] [--threads 1]

The teacher is random and the soft labels come from it (values do not
change the cost).
"""
import argparse
import copy
import os
import os.path as osp
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0,
                osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.config import DictAction  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

from mmkd.cli import read_config  # noqa: E402
from mmkd.registry import MODELS, TRANSFORMS  # noqa: E402
from mmkd.structures import ClsDataSample  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='teacher-cache config')
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--iters', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--input-size', type=int, nargs=3, default=(3, 32, 32))
    parser.add_argument('--draws', type=int, default=10)
    parser.add_argument('--topk', type=int, default=10)
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument(
        '--handoff-batches',
        type=int,
        default=20,
        help='batches received from the workers per '
        'pipeline (0: skip)')
    parser.add_argument(
        '--workers',
        type=int,
        default=None,
        help="data workers (default: the config's)")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def fake_cache(cache_dir, replay_cfg, images, draws, topk, num_classes):
    """A cache over ``images`` with random soft labels, for timing."""
    from mmkd.datasets.teacher_cache import storage
    record = TRANSFORMS.build(dict(copy.deepcopy(replay_cfg), cache_dir=None))
    spec = dict(
        num_samples=len(images),
        num_classes=num_classes,
        draws=draws,
        topk=topk,
        value_dtype='float16',
        param_fields=[list(f) for f in record.param_fields],
        build_id='benchmark')
    writer = storage.ShardWriter(cache_dir, spec, 0, 1)
    rng = np.random.default_rng(0)
    for index, img in enumerate(images):
        metas = [
            record(dict(img=img.copy(),
                        sample_idx=index))['data_samples'].metainfo
            for _ in range(draws)
        ]
        writer.write([index] * draws, range(draws),
                     [m['cache_image_hash'] for m in metas],
                     [m['aug_params'] for m in metas],
                     rng.normal(size=(draws, topk)).astype(np.float16),
                     np.stack([
                         rng.permutation(num_classes)[:topk]
                         for _ in range(draws)
                     ]),
                     rng.uniform(0, 0.5, draws).astype(np.float32))
    writer.commit()
    storage.finalize(
        cache_dir,
        dict(
            spec,
            version=storage.FORMAT_VERSION,
            world_size=1,
            tau=4.0,
            fingerprints={}))


class _Items(torch.utils.data.Dataset):
    """``images`` through ``transforms``, as a data set's items."""

    def __init__(self, images, transforms):
        self.images, self.transforms = images, transforms

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        img = self.images[index]
        results = dict(
            img=img.copy(),
            sample_idx=index,
            gt_label=0,
            img_shape=img.shape[:2])
        for transform in self.transforms:
            results = transform(results)
        return results


def handoff_ms(images, transforms, batch, workers, batches):
    """Median main-process CPU time and wall time (ms) of receiving a
    batch from ``workers`` dataloader processes."""
    from mmengine.dataset import pseudo_collate
    loader = torch.utils.data.DataLoader(
        _Items(images, transforms),
        batch_size=batch,
        num_workers=workers,
        collate_fn=pseudo_collate,
        prefetch_factor=2 if workers else None)
    cpu, wall = [], []
    iterator = iter(loader)
    next(iterator)  # the workers' start
    for _ in range(batches):
        start_cpu, start = time.process_time(), time.perf_counter()
        next(iterator)
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start)
    return (statistics.median(cpu) * 1000, statistics.median(wall) * 1000)


def plain_pipeline(replay_cfg):
    """The pipeline the replay step stands for, without recording."""
    steps = []
    for step in replay_cfg['transforms']:
        step = dict(copy.deepcopy(step))
        step['type'] = step['type'].replace('Recorded', '', 1)
        step.pop('param_key', None)
        steps.append(TRANSFORMS.build(step))
    return steps


def kd_with_teacher_cfg(model_cfg):
    """The config's recipe as SingleTeacherDistill + KDLoss."""
    losses = model_cfg.distiller.distill_losses
    cached = next(v for v in losses.values() if v.type == 'CachedKDLoss')
    return dict(
        type='SingleTeacherDistill',
        architecture=copy.deepcopy(model_cfg.architecture),
        teacher=copy.deepcopy(model_cfg.teacher),
        teacher_ckpt_optional=True,
        student_loss_weight=model_cfg.get('student_loss_weight', 1.0),
        data_preprocessor=copy.deepcopy(model_cfg.get('data_preprocessor')),
        distiller=dict(
            type='ConfigurableDistiller',
            student_distill_layer=['linear'],
            teacher_distill_layer=['linear'],
            loss=[dict(type='KDLoss', tau=cached.get('tau', 4.0))],
            weights=[cached.get('loss_weight', 1.0)]))


def main():
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg = read_config(args.config, args.cfg_options)  # as every tool does
    init_default_scope(cfg.get('default_scope', 'mmkd'))
    import mmkd.datasets  # noqa: F401
    import mmkd.models  # noqa: F401
    from mmkd.datasets.teacher_cache.fingerprint import find_replay
    model_cfg = copy.deepcopy(cfg.model)
    if cfg.get('data_preprocessor') is not None:  # as the Runner does
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    torch.manual_seed(0)
    cached = MODELS.build(copy.deepcopy(model_cfg)).train()
    online = MODELS.build(kd_with_teacher_cfg(model_cfg)).train()
    online.architecture.load_state_dict(cached.architecture.state_dict())
    student = cached.architecture
    num_classes = student.num_classes
    batch, topk = args.batch_size, min(args.topk, num_classes)

    # one batch, with the teacher's top-k soft labels in its data samples
    images = torch.randint(
        0, 256, (batch, *args.input_size), dtype=torch.uint8)
    samples = [
        ClsDataSample(
            metainfo=dict(sample_idx=i, teacher_cache_tau=4.0)).set_gt_label(
                i % num_classes) for i in range(batch)
    ]
    data = cached.data_preprocessor(
        dict(inputs=list(images), data_samples=samples), True)
    inputs, samples = data['inputs'], data['data_samples']
    with torch.no_grad():
        logits = online.teacher(inputs, mode='tensor').float()
    values, classes = logits.topk(topk, dim=1)
    tail = torch.softmax(logits / 4.0, 1).scatter(1, classes, 0.0).sum(1)
    for i, sample in enumerate(samples):
        sample.teacher_topk_logits = values[i].half().float()
        sample.teacher_topk_classes = classes[i]
        sample.teacher_tail_mass = tail[i:i + 1]

    # lr=0: every run does SGD's work but sees the same weights
    optimizers = {
        'student': torch.optim.SGD(student.parameters(), lr=0.0),
        'cached': torch.optim.SGD(cached.parameters(), lr=0.0),
        'online': torch.optim.SGD(online.parameters(), lr=0.0),
    }

    def step(name, model):

        def run():
            optimizers[name].zero_grad()
            loss, _ = model.parse_losses(model(inputs, samples, mode='loss'))
            loss.backward()
            optimizers[name].step()

        return run

    # the data side: a batch through the plain and the replaying pipeline
    _, replay_cfg = find_replay(cfg.train_dataloader.dataset.pipeline)
    height, width = args.input_size[1:]
    hwc = [img.permute(1, 2, 0).numpy().copy() for img in images]
    tmp = tempfile.mkdtemp(prefix='mmkd_cache_bench_')
    fake_cache(tmp, replay_cfg, hwc, args.draws, topk, num_classes)
    replay = TRANSFORMS.build(dict(copy.deepcopy(replay_cfg), cache_dir=tmp))
    plain = plain_pipeline(replay_cfg)

    def plain_data():
        for index, img in enumerate(hwc):
            results = dict(
                img=img.copy(),
                sample_idx=index,
                gt_label=0,
                img_shape=(height, width))
            for transform in plain:
                results = transform(results)

    def cached_data():
        for index, img in enumerate(hwc):
            replay(
                dict(
                    img=img.copy(),
                    sample_idx=index,
                    gt_label=0,
                    img_shape=(height, width)))

    runs = {
        'student': step('student', student),
        'cached': step('cached', cached),
        'online': step('online', online),
        'plain data': plain_data,
        'cached data': cached_data,
    }
    for _ in range(args.warmup):
        for fn in runs.values():
            fn()
    times = {name: [] for name in runs}
    load_before = os.getloadavg()[0]
    names = list(runs)
    for i in range(args.iters):
        # a different order each time, so no step always follows another
        for name in names[i % len(names):] + names[:i % len(names)]:
            times[name].append(timed(runs[name]))
    load_after = os.getloadavg()[0]
    med = {name: statistics.median(t) * 1000 for name, t in times.items()}
    shutil.rmtree(tmp, ignore_errors=True)
    workers = cfg.train_dataloader.get('num_workers', 0) \
        if args.workers is None else args.workers
    handoff = {}
    if args.handoff_batches:
        many = [
            rng_image for _ in range(args.handoff_batches + 1)
            for rng_image in hwc
        ]
        tmp = tempfile.mkdtemp(prefix='mmkd_cache_bench_')
        fake_cache(tmp, replay_cfg, many, args.draws, topk, num_classes)
        replay = TRANSFORMS.build(
            dict(copy.deepcopy(replay_cfg), cache_dir=tmp))
        for name, steps in (('plain', plain), ('cached', [replay])):
            handoff[name] = handoff_ms(many, steps, batch, workers,
                                       args.handoff_batches)
        shutil.rmtree(tmp, ignore_errors=True)

    print(f'config: {args.config}')
    print(f'batch {batch} (random images {tuple(inputs.shape)}), top {topk} '
          f'of {num_classes} classes, {torch.get_num_threads()} thread(s), '
          f'median of {args.iters} interleaved runs, load average '
          f'{load_before:.2f} -> {load_after:.2f}')
    rows = [
        ('student train step', med['student']),
        ('cached KD train step', med['cached']),
        ('KD train step with the teacher', med['online']),
        ('data: plain pipeline (batch)', med['plain data']),
        ('data: cached pipeline (batch)', med['cached data']),
    ]
    print(f'| {"measurement":<32} | {"ms":>9} |')
    print(f'|{"-" * 34}|{"-" * 11}|')
    for name, value in rows:
        print(f'| {name:<32} | {value:9.2f} |')
    print(f'cached KD / student = {med["cached"] / med["student"]:.3f}')
    with_data = (med['cached'] + med['cached data']) / (
        med['student'] + med['plain data'])
    print(f'(cached KD + its data) / (student + plain data) = '
          f'{with_data:.3f}')
    print(f'KD with the teacher / student = '
          f'{med["online"] / med["student"]:.3f}')
    if handoff:
        print(f'hand-off from {workers} worker(s), median of '
              f'{args.handoff_batches} batches (main-process CPU ms / wall '
              'ms per batch):')
        for name, (cpu, wall) in handoff.items():
            print(f'  {name:>6} batches: {cpu:7.2f} CPU ms, {wall:7.2f} ms')
        print(f'  cached / plain main-process CPU: '
              f'{handoff["cached"][0] / handoff["plain"][0]:.3f}')


if __name__ == '__main__':
    main()
