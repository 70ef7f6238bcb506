"""Data-free distillation: a generator trained against the frozen teacher
makes the student's training images.

Chen et al., "DAFL: Data-Free Learning of Student Networks", ICCV 2019.
With teacher logits ``z_T`` and feature ``f_T`` (the classifier's input) of
generated images ``x = G(noise)``, the generator minimises
``oh * CE(z_T, argmax z_T) - a * mean|f_T| + ie * sum_c pbar_c log10 pbar_c``
(``pbar`` = the mean of ``softmax(z_T)`` over the whole batch, all
processes together; log10 as in the authors' code), and the student
minimises ``KL(softmax(z_T) || softmax(z_S(x)))``.
"""
from typing import Dict, Iterator, Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.dist import get_dist_info
from mmengine.optim import OptimWrapperDict
from torch.distributed.nn.functional import all_reduce

from mmkd.registry import MODELS
from ..losses.base import upcast
from ..recorders import RecorderManager
from ..teacher import FrozenTeacher
from .base import BaseDistillAlgorithm, check_weight
from .builder import build_network
from .dafl_generator import DAFLGenerator  # noqa: F401 (registers it)
from .data_free_noise import next_noise, register_noise_buffers


@MODELS.register_module()
class DAFLDistill(BaseDistillAlgorithm):
    """Trains ``architecture`` (the student) on images that ``generator``
    learns to produce from the frozen ``teacher`` alone.

    The student never sees real training images: :meth:`train_step` ignores
    the batch of the train dataloader (a placeholder that only sets the
    number of steps per epoch) and, each step, draws ``batch_size`` noise
    vectors per process, updates the generator with its DAFL losses through
    the teacher, then the student with KD on the (detached) images.
    Validation and testing run the student on real test images.

    The teacher is a :class:`~mmkd.models.teacher.FrozenTeacher` (strict
    load, frozen, eval, outside the module tree and checkpoints); gradients
    flow through it to the images. The generator is in the module tree: it
    is checkpointed and resumes with the run; so are the step counter and
    the noise seed, so a resumed run draws the noise an uninterrupted run
    would. Under DDP every process draws its slice of one global noise
    batch, and the information-entropy term is computed on that whole
    batch (as in the authors' single-process code): the class histogram is
    summed over the processes with gradients, so N processes with
    ``batch_size / N`` each train as one process with ``batch_size``.
    Optimizers: ``optim_wrapper = dict(constructor=
    'PerModuleOptimWrapperConstructor', generator=dict(...),
    architecture=dict(...))``; for DDP, ``model_wrapper_cfg =
    dict(type='MMSeparateDistributedDataParallel')``.

    Log keys: ``gen.loss_one_hot``, ``gen.loss_activation``,
    ``gen.loss_entropy`` and ``distill.loss_kd``.

    Args:
        architecture (dict | nn.Module): The student.
        teacher (dict | nn.Module): The teacher model.
        generator (dict | nn.Module): E.g. ``dict(type='DAFLGenerator',
            latent_dim=100, img_size=32, channels=3)``.
        teacher_ckpt (str, optional): Teacher checkpoint, loaded strictly.
        teacher_ckpt_optional (bool): Allow no teacher checkpoint (tests).
            Defaults to False.
        batch_size (int): Generated images per process and step.
            Defaults to 512.
        one_hot_weight (float): ``oh``. Defaults to 1.0.
        activation_weight (float): ``a``. Defaults to 0.1.
        entropy_weight (float): ``ie``. Defaults to 5.0 (the default of the
            authors' script; their CIFAR-100 command uses 20).
        kd_loss (dict): The student's loss against the teacher's logits.
            Defaults to ``dict(type='KDLoss', tau=1.0)``.
        classifier (str): The teacher's classifier, whose input is ``f_T``.
            Defaults to ``'linear'``.
        noise_seed (int, optional): Seed of the noise; None takes
            ``torch.initial_seed()`` (the run's seed). Defaults to None.
        data_preprocessor (dict, optional): Defaults to the student's (it
            only sees the real validation/test images).
        init_cfg (dict, optional): Initialization config.
    """

    def __init__(self,
                 architecture: Union[dict, nn.Module],
                 teacher: Union[dict, nn.Module],
                 generator: Union[dict, nn.Module],
                 teacher_ckpt: Optional[str] = None,
                 teacher_ckpt_optional: bool = False,
                 batch_size: int = 512,
                 one_hot_weight: float = 1.0,
                 activation_weight: float = 0.1,
                 entropy_weight: float = 5.0,
                 kd_loss: dict = dict(type='KDLoss', tau=1.0),
                 classifier: str = 'linear',
                 noise_seed: Optional[int] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(architecture, 1.0, data_preprocessor, init_cfg)
        self.frozen_teacher = FrozenTeacher(
            build_network(teacher, 'teacher'),
            ckpt=teacher_ckpt,
            ckpt_optional=teacher_ckpt_optional,
            early_exit=False)
        self.generator = build_network(generator, 'generator')
        if not hasattr(self.generator, 'latent_dim'):
            raise TypeError('The generator must have a latent_dim (the size '
                            'of its noise input).')
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) \
                or batch_size < 1:
            raise ValueError(f'batch_size must be a positive int, got '
                             f'{batch_size!r}.')
        self.batch_size = batch_size
        self.weights = dict(
            one_hot=check_weight('one_hot_weight', one_hot_weight),
            activation=check_weight('activation_weight', activation_weight),
            entropy=check_weight('entropy_weight', entropy_weight))
        self.kd_loss = MODELS.build(kd_loss)
        self.teacher_recorders = RecorderManager(
            dict(feature=dict(type='ModuleInputs', source=classifier)))
        self.teacher_recorders.initialize(self.teacher, 'teacher')
        register_noise_buffers(self, noise_seed, 'num_steps')

    @property
    def teacher(self) -> nn.Module:
        """The frozen teacher model."""
        return self.frozen_teacher.model

    def frozen_teachers(self) -> Iterator[FrozenTeacher]:
        yield self.frozen_teacher

    def sample_noise(self) -> torch.Tensor:
        """This process's slice of the step's global noise batch (the same
        for every world size), and advance the step counter."""
        return next_noise(self, 'num_steps')

    def run_teacher(self, images: torch.Tensor):
        """Teacher logits and feature of ``images``, with gradients to the
        images (the teacher's own weights stay frozen)."""
        self.teacher.eval()
        self.teacher_recorders.reset()
        try:
            with self.teacher_recorders.recording():
                logits = self.teacher(images, None, mode='tensor')
            feature = self.teacher_recorders['feature'].get_record_data(0, 0)
        finally:
            self.teacher_recorders.reset()
        return logits, feature

    def generator_losses(self, logits: torch.Tensor,
                         feature: torch.Tensor) -> Dict[str, torch.Tensor]:
        """DAFL's one-hot, activation and information-entropy losses."""
        logits, feature = upcast(logits), upcast(feature)
        mean_prob = self.whole_batch_mean(F.softmax(logits, dim=1))
        return {
            'gen.loss_one_hot':
            self.weights['one_hot'] *
            F.cross_entropy(logits, logits.argmax(dim=1)),
            'gen.loss_activation':
            -self.weights['activation'] * feature.abs().mean(),
            'gen.loss_entropy':
            self.weights['entropy'] *
            (mean_prob * torch.log10(mean_prob.clamp_min(1e-30))).sum(),
        }

    @staticmethod
    def whole_batch_mean(probs: torch.Tensor) -> torch.Tensor:
        """The mean of ``probs`` over the batch of every process (the sum
        is all-reduced with gradients: each process's images get the
        gradient of the whole batch's mean)."""
        _, world = get_dist_info()
        total = probs.sum(dim=0)
        if world > 1:
            total = all_reduce(total)
        return total / (probs.shape[0] * world)

    def train_step(self, data,
                   optim_wrapper: OptimWrapperDict) -> Dict[str, torch.Tensor]:
        """One DAFL step. ``data`` is not read."""
        if not isinstance(optim_wrapper, OptimWrapperDict) or not {
                'generator', 'architecture'
        } <= set(optim_wrapper.keys()):
            raise TypeError(
                'DAFLDistill needs optim_wrapper = dict(constructor='
                "'PerModuleOptimWrapperConstructor', generator=dict(...), "
                'architecture=dict(...)).')
        gen_wrapper = optim_wrapper['generator']
        student_wrapper = optim_wrapper['architecture']
        noise = self.sample_noise()
        with gen_wrapper.optim_context(self.generator):
            images = self.generator(noise)
            logits, feature = self.run_teacher(images)
            gen_loss, gen_logs = self.parse_losses(
                self.generator_losses(logits, feature))
        gen_wrapper.update_params(gen_loss)
        with student_wrapper.optim_context(self.architecture):
            student_logits = self.architecture(
                images.detach(), None, mode='tensor')
            kd_loss, kd_logs = self.parse_losses({
                'distill.loss_kd':
                self.kd_loss(student_logits, logits.detach())
            })
        student_wrapper.update_params(kd_loss)
        logs = {k: v for k, v in gen_logs.items() if k != 'loss'}
        logs.update(kd_logs)
        logs['loss'] = gen_loss.detach() + kd_loss.detach()
        return logs

    def loss(self, inputs: torch.Tensor, data_samples=None):
        raise RuntimeError('DAFLDistill trains through train_step (generated '
                           "images only); its 'loss' mode is not used.")

    def teardown(self) -> None:
        """Remove the teacher recorder's hook."""
        self.teacher_recorders.teardown()
