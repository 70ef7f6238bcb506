"""TeacherAheadEpochBasedTrainLoop: every step waits for its own batch's
teacher run only, the first step of an epoch and the step after the
planning forward included.

The teacher's run for batch k+1 is held on its thread until step k has
ended, so a step that waited for the next batch's run would stall (the
hold gives up after a few seconds and is noted) and would see that run end
inside its own window."""
import os.path as osp
import threading

import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmkd.registry import MODELS
from mmkd.structures import ClsDataSample

BATCH, BATCHES, EPOCHS = 2, 4, 2
HOLD_S = 20.0  # far above a step here; only a stall waits it out


def build():
    torch.manual_seed(0)
    return MODELS.build(
        dict(
            type='SingleTeacherDistill',
            architecture=dict(type='resnet8', num_classes=10),
            teacher=dict(type='resnet14', num_classes=10),
            teacher_ckpt_optional=True,
            distiller=dict(
                type='ConfigurableDistiller',
                student_distill_layer=['linear'],
                teacher_distill_layer=['linear'],
                loss=[dict(type='KDLoss')]),
            data_preprocessor=dict(
                type='ImgDataPreprocessor', mean=[128.0] * 3, std=[64.0] * 3)))


def samples():
    """``BATCH * BATCHES`` images, each sample knowing its index."""
    gen = torch.Generator().manual_seed(1)
    return [
        dict(
            inputs=torch.randint(
                0, 255, (3, 16, 16), generator=gen, dtype=torch.uint8),
            data_samples=ClsDataSample(metainfo=dict(index=i)).set_gt_label(
                i % 10)) for i in range(BATCH * BATCHES)
    ]


class StepWindows(Hook):
    """Notes which teacher runs end inside each step, and lets the teacher's
    run for batch k+1 start only once step k has ended."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_step = None  # (epoch, batch) of the step running now
        self.ended = {}  # (epoch, batch) -> Event, set when the step ends
        self.runs = []  # (epoch, batch of the run, step it ended in, thread)
        self.stalls = []

    def event(self, epoch, batch):
        with self.lock:
            return self.ended.setdefault((epoch, batch), threading.Event())

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.in_step = (runner.epoch, batch_idx)

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        self.in_step = None
        self.event(runner.epoch, batch_idx).set()

    def spy(self, runner_ref, run):

        def noted(call, *args, **kwargs):
            batch = call.data_samples[0].index // BATCH
            epoch = runner_ref[0].epoch
            thread = threading.current_thread().name.split('_')[0]
            if thread != 'MainThread' and batch > 0:
                if not self.event(epoch, batch - 1).wait(HOLD_S):
                    self.stalls.append((epoch, batch))
            out = run(call, *args, **kwargs)
            self.runs.append((epoch, batch, self.in_step, thread))
            return out

        return noted


def test_each_step_waits_for_its_own_teacher_run_only(tmp_path):
    algo = build()
    windows = StepWindows()
    runner_ref = []
    algo.frozen_teacher.run = windows.spy(runner_ref, algo.frozen_teacher.run)
    runner = Runner(
        model=algo,
        work_dir=str(tmp_path),
        experiment_name=osp.basename(str(tmp_path)),
        train_dataloader=dict(
            dataset=samples(),
            sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='pseudo_collate'),
            batch_size=BATCH),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        train_cfg=dict(
            type='TeacherAheadEpochBasedTrainLoop', max_epochs=EPOCHS),
        default_hooks=dict(checkpoint=None, logger=None),
        custom_hooks=[windows],
        default_scope='mmkd')
    runner_ref.append(runner)
    runner.train()
    assert windows.stalls == []
    # one run per batch: the first step of each epoch too
    assert sorted(
        (e, b) for e, b, _, _ in windows.runs) == [(e, b)
                                                   for e in range(EPOCHS)
                                                   for b in range(BATCHES)]
    for epoch, batch, step, _ in windows.runs:
        # a run ends before its step or inside it, never inside another
        assert step is None or step == (epoch, batch), windows.runs
    threads = {(e, b): t for e, b, _, t in windows.runs}
    # only the planning forward (the first batch ever) runs on the main
    # thread; from the step after it on, every batch's teacher runs ahead
    assert [k for k, t in threads.items() if t == 'MainThread'] == [(0, 0)]
