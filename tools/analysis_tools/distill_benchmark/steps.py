"""The steps the distillation benchmark times, on one batch."""
import contextlib
import copy
import importlib.util
from typing import Callable, Dict, Optional

import torch

from mmkd.models.distillers import distill_step as mmkd_distill_step
from mmkd.registry import MODELS
from mmkd.structures import ClsDataSample

AHEAD_STEPS = 8  # consecutive steps timed for the teacher-ahead pipeline


def build_algorithm(cfg, **overrides):
    """The config's algorithm with a random teacher (no checkpoint: times
    and memory do not depend on the weights), in train mode."""
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.update(
        teacher_ckpt=None, teacher_ckpt_optional=True, **overrides)
    if cfg.get('data_preprocessor') is not None:  # as the Runner does
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    torch.manual_seed(0)
    algo = MODELS.build(model_cfg).train()
    # losses that sample by class (CRD) get labels as DatasetLabelsHook
    # would give them; random ones, the benchmark's data being random
    num_classes = getattr(algo.architecture, 'num_classes', 1)
    for module in algo.modules():
        if hasattr(module, 'set_dataset_labels'):
            module.set_dataset_labels(
                torch.arange(module.n_data) % num_classes)
    return algo


def make_batch(cfg, algo, batch_size: int, input_size):
    """One training batch (raw, preprocessed inputs, data samples, where it
    came from): real data, or random images for a classifier whose data set
    is not on disk."""
    from mmengine.runner import Runner
    loader_cfg = copy.deepcopy(cfg.train_dataloader)
    loader_cfg.update(
        batch_size=batch_size, num_workers=0, persistent_workers=False)
    try:
        if importlib.util.find_spec('mmcv') is None:
            # the core install: mmkd's data transforms need mmcv
            raise FileNotFoundError('mmcv, which the data pipeline needs, '
                                    'is not installed.')
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
                torch.randint(
                    0, 256, (batch_size, *input_size), dtype=torch.uint8)),
            data_samples=[
                ClsDataSample(metainfo=dict(sample_idx=i)).set_gt_label(
                    i % num_classes) for i in range(batch_size)
            ])
        source = 'random images (the data set is not on disk)' if \
            'mmcv' not in str(err) else 'random images (no mmcv)'
    processed = algo.data_preprocessor(data, True)
    return data, processed['inputs'], processed['data_samples'], source


def _train_step(model, opt, inputs, samples) -> None:
    opt.zero_grad()
    loss, _ = model.parse_losses(model(inputs, samples, mode='loss'))
    loss.backward()
    opt.step()


def _synced(step: Callable[[], None]) -> Callable[[], None]:
    """``step``, then a wait for the GPU to finish it."""

    def run():
        step()
        torch.cuda.synchronize()

    return run


def _wide(step: Callable[[], None]) -> Callable[[], None]:
    """``step`` with twice the threads: the cores of the pipeline."""

    def run():
        threads = torch.get_num_threads()
        torch.set_num_threads(2 * threads)
        try:
            step()
        finally:
            torch.set_num_threads(threads)

    return run


class BenchmarkSteps:
    """The steps timed side by side, each a callable on the same batch.

    The optimizers have lr=0: each step does all of SGD's work but leaves
    the weights as they are, so every timed run sees the same model
    (training on one batch for many steps can diverge, e.g. YOLOX's SimOTA
    then fails on NaNs).

    Args:
        cfg (Config): The distillation config.
        batch_size (int): Samples per batch.
        input_size (tuple): (C, H, W) of the random images used when the
            data set is not on disk.
        micro_batch (int, optional): Also time the teacher-ahead step with
            the teacher on micro-batches of this size.
        wide (bool): Also time the student, sequential and MMRazor-style
            steps with twice the threads.
        device (str): Where the models and the batch go. On CUDA each step
            ends with a synchronize, so its time is the GPU's. Defaults to
            ``'cpu'``.
    """

    def __init__(self,
                 cfg,
                 batch_size: int,
                 input_size,
                 micro_batch: Optional[int] = None,
                 wide: bool = False,
                 device: str = 'cpu') -> None:
        self.cfg = cfg
        self.device = torch.device(device)
        self.algo = build_algorithm(cfg).to(self.device)
        self.low = build_algorithm(
            cfg, teacher_execution=dict(precision='bf16')).to(self.device)
        self.micro = None if not micro_batch else build_algorithm(
            cfg, teacher_execution=dict(
                micro_batch=micro_batch)).to(self.device)
        self.student, self.teacher = self.algo.architecture, self.algo.teacher
        torch.manual_seed(0)
        self.raw, self.inputs, self.samples, self.source = make_batch(
            cfg, self.algo, batch_size, input_size)
        self.optims = [
            torch.optim.SGD(model.parameters(), lr=0.0)
            for model in (self.student, self.algo, self.low, self.micro)
            if model is not None
        ]
        self.ahead_problem: list = []
        self.steps = self._steps(micro_batch, wide)

    def _steps(self, micro_batch, wide) -> Dict[str, Callable[[], None]]:
        algo, student, teacher = self.algo, self.student, self.teacher
        inputs, samples = self.inputs, self.samples
        student_opt, algo_opt, low_opt = self.optims[:3]

        def student_step():
            student_opt.zero_grad()
            loss, _ = student.parse_losses(
                student(inputs, samples, mode='loss'))
            loss.backward()
            student_opt.step()

        @torch.no_grad()
        def teacher_loss_mode():
            teacher(inputs, samples, mode='loss')

        @torch.no_grad()
        def teacher_forward():
            teacher(inputs, samples, mode='tensor')

        def teacher_as_run():
            algo.run_teacher(inputs, samples)
            algo.distiller.reset()

        def distill_step():
            _train_step(algo, algo_opt, inputs, samples)

        steps = dict(
            student=student_step,
            teacher_loss=teacher_loss_mode,
            teacher=teacher_forward,
            teacher_as_run=teacher_as_run,
            mmrazor=self.mmrazor_style_step,
            distill=distill_step,
            ahead=lambda: self.ahead_steps(algo, algo_opt),
            low=lambda: _train_step(self.low, low_opt, inputs, samples))
        if self.micro is not None:
            steps['ahead_micro'] = lambda: self.ahead_steps(
                self.micro, self.optims[3])
        if wide:
            steps.update(
                student_wide=_wide(student_step),
                distill_wide=_wide(distill_step),
                mmrazor_wide=_wide(self.mmrazor_style_step))
        if self.device.type == 'cuda':
            steps = {name: _synced(fn) for name, fn in steps.items()}
        return steps

    def add_cached(self, cached_cfg, topk: int = 10) -> None:
        """Also time ``cached``: the train step of ``cached_cfg``'s
        ``CachedTeacherDistill`` on the batch, its data samples carrying the
        top-``topk`` logits of this benchmark's teacher as the cache's
        replay would put them there (the teacher never runs in the step)."""
        cached = build_algorithm(cached_cfg).to(self.device)
        with torch.no_grad():
            logits = self.teacher(self.inputs, mode='tensor').float()
        tau = 4.0
        values, classes = logits.topk(min(topk, logits.shape[1]), dim=1)
        tail = torch.softmax(logits / tau, 1).scatter(1, classes, 0.0).sum(1)
        samples = copy.deepcopy(self.samples)
        for i, sample in enumerate(samples):
            sample.set_metainfo(dict(teacher_cache_tau=tau))
            sample.teacher_topk_logits = values[i].half().float()
            sample.teacher_topk_classes = classes[i]
            sample.teacher_tail_mass = tail[i:i + 1]
        opt = torch.optim.SGD(cached.parameters(), lr=0.0)
        self.optims.append(opt)
        step = lambda: _train_step(cached, opt, self.inputs, samples)  # noqa
        self.steps['cached'] = _synced(step) \
            if self.device.type == 'cuda' else step

    def mmrazor_style_step(self) -> None:
        """The whole teacher in loss mode (no early exit, its own losses
        computed, as MMRazor's SingleTeacherDistill runs it), then the
        student, then the losses."""
        algo, opt = self.algo, self.optims[1]
        inputs, samples = self.inputs, self.samples
        planner = algo.frozen_teacher.planner
        execution = algo.frozen_teacher.execution
        # the whole batch at once, whatever the config's micro_batch
        micro_batch, execution.micro_batch = execution.micro_batch, None
        try:
            with planner.suspended() if planner else \
                    contextlib.nullcontext():
                opt.zero_grad()
                student_losses, losses = mmkd_distill_step(
                    algo.distiller, algo.frozen_teacher,
                    lambda t: t(inputs, samples, mode='loss'),
                    lambda: self.student(inputs, samples, mode='loss'),
                    samples)
                loss, _ = algo.parse_losses(
                    algo.merge_losses(student_losses, losses))
                loss.backward()
                opt.step()
        finally:
            execution.micro_batch = micro_batch

    def ahead_steps(self, model, opt) -> None:
        """AHEAD_STEPS steps as TeacherAheadEpochBasedTrainLoop runs them:
        each step's own batch handed first (the pipeline's fill, included
        in the time), then the next one before each step, so its teacher
        run overlaps the step. The batch is the same object each time, so
        copies stand for the next batches."""
        batches = [dict(self.raw) for _ in range(AHEAD_STEPS)]
        problems = [model.run_teacher_ahead(batches[0])]
        for i in range(AHEAD_STEPS):
            if i + 1 < AHEAD_STEPS:
                problems.append(model.run_teacher_ahead(batches[i + 1]))
            _train_step(model, opt, self.inputs, self.samples)
        self.ahead_problem[:] = [p for p in problems if p][:1]

    def settle(self) -> None:
        """Free the gradients the last step left (as the next step's
        ``zero_grad`` would), so a memory baseline taken now holds the
        models and the batch only."""
        for opt in self.optims:
            opt.zero_grad(set_to_none=True)

    def teacher_children_run(self,
                             step: Callable[[], None],
                             iters: int = 2) -> set:
        """Names of the teacher's top-level modules that ran in ``step``."""
        ran = set()
        # Hooks on every submodule, credited to its top-level parent: mmdet
        # calls some heads' ``forward()`` directly, which fires no hook on
        # the head itself but does on the layers inside it.
        handles = [
            # prepended: the early-stop hook may raise right after it
            module.register_forward_hook(
                lambda mod, i, o, name=name.split('.')[0]: ran.add(name),
                prepend=True) for name, module in self.teacher.named_modules()
            if name
        ]
        try:
            for _ in range(iters):
                step()
        finally:
            for handle in handles:
                handle.remove()
        return ran

    def distill_losses(self, model) -> Dict[str, float]:
        """The distill losses ``model`` gives on the batch."""
        with torch.no_grad():
            return {
                k: float(v)
                for k, v in model(self.inputs, self.samples,
                                  mode='loss').items()
                if k.startswith('distill.')
            }
