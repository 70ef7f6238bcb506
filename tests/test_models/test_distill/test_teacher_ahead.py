"""The teacher running ahead of the student, in lower precision or with
inference_mode gives the records of the sequential step (bit for bit on
CPU where the precision is unchanged)."""
import copy
import glob
import os.path as osp
import threading

import pytest
import torch
from mmengine.runner import Runner
from numeric import assert_reordered_close, assert_same_bits, float64

from mmkd.registry import MODELS
from mmkd.structures import ClsDataSample

pytestmark = pytest.mark.numeric

KD_AND_FEATURES = dict(
    type='ConfigurableDistiller',
    student_distill_layer=['layer2', 'linear'],
    teacher_distill_layer=['layer2', 'linear'],
    loss=[dict(type='L2Loss'), dict(type='KDLoss')],
    weights=[1.0, 0.9])


def build(distiller=KD_AND_FEATURES, **kwargs):
    torch.manual_seed(0)
    return MODELS.build(
        dict(
            type='SingleTeacherDistill',
            architecture=dict(type='resnet8', num_classes=10),
            teacher=dict(type='resnet14', num_classes=10),
            teacher_ckpt_optional=True,
            distiller=copy.deepcopy(distiller),
            data_preprocessor=dict(
                type='ImgDataPreprocessor', mean=[128.0] * 3, std=[64.0] * 3),
            **kwargs))


def batches(n=4):
    gen = torch.Generator().manual_seed(1)
    return [
        dict(
            inputs=[
                torch.randint(
                    0, 255, (3, 16, 16), generator=gen, dtype=torch.uint8)
                for _ in range(4)
            ],
            data_samples=[
                ClsDataSample().set_gt_label(i % 10) for i in range(4)
            ]) for _ in range(n)
    ]


def loop_runner(model,
                work_dir,
                loop='TeacherAheadEpochBasedTrainLoop',
                n_batches=2,
                **kwargs):
    """An MMEngine Runner training ``model`` for 2 epochs with ``loop`` on
    the images of ``batches(n_batches)``, 2 a step, in order; its own log
    file under ``work_dir``."""
    return Runner(
        model=model,
        work_dir=str(work_dir),
        experiment_name=f'{osp.basename(str(work_dir))}_{loop}',
        train_dataloader=dict(
            dataset=[
                dict(inputs=b['inputs'][i], data_samples=b['data_samples'][i])
                for b in batches(n_batches) for i in range(4)
            ],
            sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='pseudo_collate'),
            batch_size=2),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        train_cfg=dict(type=loop, max_epochs=2),
        default_scope='mmkd',
        **kwargs)


def train(algo, data, ahead):
    optim = torch.optim.SGD(algo.parameters(), lr=0.1)
    losses = []
    for i, batch in enumerate(data):
        if ahead and i + 1 < len(data):
            assert algo.run_teacher_ahead(data[i + 1]) is None
        processed = algo.data_preprocessor(batch, True)
        out = algo(**processed, mode='loss')
        total = sum(out.values())
        optim.zero_grad()
        total.backward()
        optim.step()
        losses.append({k: v.item() for k, v in out.items()})
    algo.teardown()
    return losses, algo.student.state_dict()


@pytest.mark.parametrize('execution', [None, dict(micro_batch=3)])
def test_teacher_ahead_gives_the_sequential_results_bit_for_bit(execution):
    """Same arithmetic on another thread: bit for bit. Planted errors it
    catches: the records of the batch before (a queue handing runs out of
    order) and a step whose teacher run is skipped (stale records)."""
    data = batches(5)
    seq_losses, seq_state = train(
        build(teacher_execution=execution).train(), data, ahead=False)
    algo = build(teacher_execution=execution).train()
    threads = []
    run = algo.frozen_teacher.run

    def spy(*args, **kwargs):
        threads.append(threading.current_thread().name.split('_')[0])
        return run(*args, **kwargs)

    algo.frozen_teacher.run = spy
    ahead_losses, ahead_state = train(algo, data, ahead=True)
    # step 0 plans the early exit and step 1 has nothing queued for it (the
    # run for step 2 was queued): both in the main thread; steps 2-4 use
    # records the teacher's thread made while the previous step trained
    assert threads.count('MainThread') == 2
    assert threads.count('mmkd-teacher') == 3
    assert ahead_losses == seq_losses
    for key, value in seq_state.items():
        assert torch.equal(value, ahead_state[key]), key


def test_a_batch_other_than_the_one_run_ahead_is_recomputed():
    """Same arithmetic: bit for bit. Planted error it catches: the records
    run ahead for data[1] used for data[2]."""
    data = batches(3)
    algo, reference = build().train(), build().train()
    for model in (algo, reference):  # the first step plans the early exit
        model(**model.data_preprocessor(data[0], True), mode='loss')
    assert algo.run_teacher_ahead(data[1]) is None
    # the loop trains on another batch: the records of data[1] are dropped
    processed = algo.data_preprocessor(data[2], True)
    out = algo(**processed, mode='loss')
    ref = reference(**reference.data_preprocessor(data[2], True), mode='loss')
    assert out.keys() == ref.keys()
    for key in ref:
        assert_same_bits(out[key], ref[key], name=key)


def first_and_second_step(execution, data):
    """The reference step's losses, and the second step's losses of a model
    with ``execution`` (its first step plans the early exit, in full)."""
    ref = build().train()
    algo = build(teacher_execution=execution).train()
    want = ref(**ref.data_preprocessor(data, True), mode='loss')
    algo(**algo.data_preprocessor(data, True), mode='loss')
    got = algo(**algo.data_preprocessor(data, True), mode='loss')
    assert got.keys() == want.keys()
    return want, got


def test_bf16_teacher_gives_float32_records_close_to_fp32():
    want, got = first_and_second_step(dict(precision='bf16'), batches(1)[0])
    for key in want:
        assert got[key].dtype == torch.float32
        # bf16 keeps 8 bits of mantissa: a precision change, not a reorder
        assert got[key].item() == pytest.approx(want[key].item(), rel=0.05)
    got['distill.loss_kd'].backward()  # records usable in autograd


@pytest.mark.parametrize(
    'execution',
    [
        dict(inference_mode=True),
        dict(channels_last=True),
        dict(device='cpu'),  # the own-device path (moves are no-ops here)
        dict(micro_batch=3),  # batches of 4: parts of 3 and 1
    ])
def test_teacher_execution_options_give_the_full_precision_records(execution):
    """Another memory layout or batch split adds in another order: compared
    in float64. Planted error it catches: micro-batch parts joined in
    another order (the micro_batch case)."""
    with float64():
        want, got = first_and_second_step(execution, batches(1)[0])
    for key in want:
        assert_reordered_close(got[key], want[key], name=key)
    got['distill.loss_kd'].backward()  # records usable in autograd


def test_loop_runs_the_teacher_ahead(tmp_path):
    algo = build()
    calls, threads = [], []
    run = algo.run_teacher_ahead
    algo.run_teacher_ahead = lambda batch: calls.append(1) or run(batch)
    teacher_run = algo.frozen_teacher.run
    algo.frozen_teacher.run = lambda *a, **k: threads.append(
        threading.current_thread().name) or teacher_run(*a, **k)
    runner = loop_runner(
        algo, tmp_path, default_hooks=dict(checkpoint=None, logger=None))
    runner.train()
    assert len(calls) == 2 * (4 + 3)  # each batch, and each one ahead
    # every step's records come from the teacher's thread, except the
    # planning step's (the first forward, in full, on the main thread)
    assert sum(t.startswith('mmkd-teacher') for t in threads) == 7
    assert len(threads) == 8
    # the log says once that the teacher runs ahead
    log = ''.join(
        open(f).read()
        for f in glob.glob(f'{tmp_path}/**/*.log', recursive=True))
    assert log.count('the teacher runs ahead of the student') == 1, log


requires_cuda = pytest.mark.skipif(
    not torch.cuda.is_available(),
    reason='needs CUDA (the teacher on its own CUDA stream or device); the '
    'CPU tests above run the same code with the teacher on its own thread')


@requires_cuda
def test_teacher_ahead_on_its_cuda_stream_gives_the_sequential_results():
    torch.backends.cudnn.deterministic = True
    data = batches(5)
    seq_losses, seq_state = train(build().cuda().train(), data, ahead=False)
    algo = build().cuda().train()
    ahead_losses, ahead_state = train(algo, data, ahead=True)
    assert algo.frozen_teacher.execution._stream is not None  # used it
    for seq, ahead in zip(seq_losses, ahead_losses):
        assert ahead == pytest.approx(seq, rel=1e-5)
    for key, value in seq_state.items():
        torch.testing.assert_close(ahead_state[key], value)


@requires_cuda
def test_teacher_on_its_own_device_gives_records_on_the_students():
    data = batches(1)[0]
    ref = build().train()
    algo = build(teacher_execution=dict(device='cuda')).train()
    assert next(algo.teacher.parameters()).is_cuda
    assert not next(algo.student.parameters()).is_cuda
    want = ref(**ref.data_preprocessor(data, True), mode='loss')
    for _ in range(2):  # planning forward, then the early-exit one
        got = algo(**algo.data_preprocessor(data, True), mode='loss')
        for key in want:
            assert got[key].device.type == 'cpu'
            assert got[key].item() == pytest.approx(want[key].item(), rel=1e-4)
    got['distill.loss_kd'].backward()


FLATTEN = dict(type='FunctionOutputs', source='torch.flatten')
FUNCTION_DISTILLER = dict(
    type='ConfigurableDistiller',
    student_recorders=dict(flat=FLATTEN),
    teacher_recorders=dict(flat=FLATTEN),
    distill_losses=dict(loss_flat=dict(type='L2Loss')),
    loss_forward_mappings=dict(
        loss_flat=dict(
            student=dict(recorder='flat', from_student=True),
            teacher=dict(recorder='flat', from_student=False))))


def test_each_fallback_says_why_the_teacher_cannot_run_ahead():
    data = batches(2)
    algo = build()
    algo(**algo.data_preprocessor(data[0], True), mode='loss')  # plans
    algo.data_preprocessor.batch_augments = [lambda x, s: (x, s)]
    assert algo.run_teacher_ahead(data[1]) == \
        'the data preprocessor has random batch augments'
    algo.data_preprocessor.batch_augments = None
    algo.distillation_stopped = True
    assert algo.run_teacher_ahead(data[1]) == 'distillation is switched off'
    assert not algo._ahead  # nothing was started

    algo = build(FUNCTION_DISTILLER)
    problem = algo.run_teacher_ahead(data[0])
    assert problem == ("teacher recorder 'flat' records a module-level "
                       'function, which the student calls too')
    assert not algo._ahead


def test_loop_falls_back_to_the_sequential_step_and_says_why_once(tmp_path):
    losses = {}
    for loop in ('EpochBasedTrainLoop', 'TeacherAheadEpochBasedTrainLoop'):
        algo = build(FUNCTION_DISTILLER)
        seen = []
        step = algo.train_step
        algo.train_step = lambda *a, **k: seen.append(step(*a, **k)) or \
            seen[-1]
        runner = loop_runner(
            algo, tmp_path / loop, loop, default_hooks=dict(checkpoint=None))
        runner.train()
        losses[loop] = [{k: v.item() for k, v in s.items()} for s in seen]
        log = open(next((tmp_path / loop).rglob('*.log'))).read()
    assert log.count('The teacher runs in sequence with the student: teacher '
                     "recorder 'flat' records a module-level function") == 1
    assert losses['TeacherAheadEpochBasedTrainLoop'] == \
        losses['EpochBasedTrainLoop']
    assert 'distill.loss_flat' in losses['EpochBasedTrainLoop'][0]


def test_loop_with_a_model_without_a_teacher_says_so_and_trains(tmp_path):
    runner = loop_runner(
        dict(
            type='resnet8',
            num_classes=10,
            data_preprocessor=dict(type='ImgDataPreprocessor')),
        tmp_path,
        n_batches=1,
        default_hooks=dict(checkpoint=None))
    runner.train()
    assert runner.iter == 4
    log = open(next(tmp_path.rglob('*.log'))).read()
    assert log.count('cannot run a teacher ahead; training runs '
                     'sequentially') == 1
