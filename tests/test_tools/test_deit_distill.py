"""DeiT's hard distillation through mmkd's tools' config reading and
runner, on a generated set in ImageNet's folder layout: the tiny distilled
vision transformer learns from a small ResNet-34 teacher for 2 iterations
(Mixup/CutMix on the batch both see), is tested, and predicts the average
of its class and distillation heads; its weights load into mmpretrain's own
DeiT-distilled config."""
import copy
import importlib.util
import math
import os.path as osp
import sys

import pytest
import torch
import torch.nn.functional as F
from data_utils import make_tiny_imagenet
from numeric import assert_close
from tool_utils import REPO

TINY = osp.join(REPO, 'configs', 'mmpretrain', 'tiny')
DEIT = osp.join(TINY, 'deit_resnet34-deit-tiny_tiny-in.py')
STUDENT = osp.join(TINY, 'deit-tiny-distilled_w16_tiny-in.py')
TEACHER = osp.join(TINY, 'resnet34_w8_tiny-in.py')


@pytest.fixture(autouse=True, scope='module')
def restore_default_scope():
    """The runner and the builds here make mmpretrain's scope current; the
    tests after these get back the scopes they had (as MMEngine's
    ``DefaultScope.overwrite_default_scope`` restores them)."""
    from mmengine.registry import DefaultScope
    before = dict(DefaultScope._instance_dict)
    yield
    DefaultScope._instance_dict = before


def _train_tool():
    spec = importlib.util.spec_from_file_location(
        'mmkd_train_tool', osp.join(REPO, 'tools', 'train.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _plain(path):
    """The mmpretrain model of a plain config, randomly initialised."""
    from mmengine.config import Config
    from mmpretrain.registry import MODELS
    model = MODELS.build(Config.fromfile(path).model)
    model.init_weights()
    return model


@pytest.fixture(scope='module')
def runner(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('deit')
    root = make_tiny_imagenet(str(tmp / 'data'), num_train=2, num_val=2)
    torch.manual_seed(0)
    teacher_ckpt = str(tmp / 'teacher.pth')
    torch.save(_plain(TEACHER).state_dict(), teacher_ckpt)
    train = _train_tool()
    opts = [f'model.teacher_ckpt={teacher_ckpt}', 'randomness.seed=0']
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        opts.append(f'{loader}.dataset.data_root={root}')
    old_argv = sys.argv
    sys.argv = [
        'tools/train.py', DEIT, '--work-dir',
        str(tmp / 'work'), '--cfg-options', *opts
    ]
    try:
        args = train.parse_args()
        cfg = train.apply_args(train.read_config(DEIT, args.cfg_options), args)
    finally:
        sys.argv = old_argv
    cfg.train_cfg = dict(
        type='IterBasedTrainLoop', max_iters=2, val_interval=1000)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1000)
    cfg.param_scheduler = None
    # heads far from mmpretrain's zero initialisation, so that the logits
    # (and a wrong combination of them) matter from the first step
    cfg.model.architecture.head.init_cfg = dict(
        type='Normal', layer='Linear', std=1.0)
    from mmkd.cli import build_runner
    return build_runner(cfg)


def _deit_reference(model, inputs, samples):
    """DeiT's two terms by hand in float64 on copies of the networks:
    0.5 * smoothed CE(class head, mixed labels) and 0.5 * CE(distillation
    head, the teacher's arg-max class)."""
    student = copy.deepcopy(model.student).double()
    teacher = copy.deepcopy(model.teacher).double()
    with torch.no_grad():
        feats = student.extract_feat(inputs.double())
        cls_token, dist_token = student.head.pre_logits(feats)
        cls_logits = student.head.layers.head(cls_token)
        dist_logits = student.head.layers.head_dist(dist_token)
        teacher_logits = teacher(inputs.double(), mode='tensor')
    target = torch.stack([s.gt_score for s in samples]).double()
    smoothed = 0.9 * target + 0.1 / target.shape[1]
    base = -(smoothed * F.log_softmax(cls_logits, 1)).sum(1).mean()
    distill = F.cross_entropy(dist_logits, teacher_logits.argmax(1))
    return target, 0.5 * base, 0.5 * distill


def test_trains_two_iterations_on_the_deit_loss(runner):
    model = runner.model
    steps = []
    original = model.loss

    def loss(inputs, data_samples=None):
        reference = _deit_reference(model, inputs, data_samples)
        steps.append((reference, original(inputs, data_samples)))
        return steps[-1][1]

    model.loss = loss
    try:
        runner.train()
    finally:
        del model.loss
    assert runner.iter == 2 and len(steps) == 2
    for (target, base, distill), out in steps:
        assert set(out) == {'student.loss', 'distill.loss_deit'}, sorted(out)
        assert not torch.equal(target.max(1).values,
                               torch.ones(len(target), dtype=target.dtype)), \
            'the batch was not mixed'
        assert_close(out['student.loss'], base, name='student.loss')
        assert_close(out['distill.loss_deit'], distill, name='distill')
    # the second step's logits are not the zero-initialised heads'
    assert abs(steps[1][1]['distill.loss_deit'].item() -
               0.5 * math.log(4)) > 1e-3


def test_tests_and_predicts_the_average_of_both_heads(runner):
    metrics = runner.test()
    assert 'accuracy/top1' in metrics, metrics
    model = runner.model
    batch = next(iter(runner.test_dataloader))
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(batch, False)
        preds = model(data['inputs'], data['data_samples'], mode='predict')
        feats = model.student.extract_feat(data['inputs'])
        cls_token, dist_token = model.student.head.pre_logits(feats)
        average = (model.student.head.layers.head(cls_token) +
                   model.student.head.layers.head_dist(dist_token)) / 2
    scores = torch.stack([p.pred_score for p in preds])
    assert torch.equal(scores, F.softmax(average, dim=1))
    # the cls head alone predicts otherwise (the average is not a no-op)
    assert not torch.equal(average, model.student.head.layers.head(cls_token))


def test_student_loads_into_mmpretrains_deit_config(runner):
    plain = _plain(STUDENT)
    state = runner.model.student.state_dict()
    plain.load_state_dict(state, strict=True)
    plain.eval()
    runner.model.eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert torch.equal(
            plain(x, mode='tensor'), runner.model.student(x, mode='tensor'))


def test_full_size_config_builds_and_steps_as_declared():
    """DeiT-B from RegNetY-160: the declared recipe, DeiT's two terms at
    alpha 0.5 on one (small) batch, and a teacher whose state-dict keys are
    timm's own (so DeiT's released teacher weights, unwrapped, load)."""
    import timm
    from mmengine.registry import init_default_scope

    from mmkd.cli import read_config
    from mmkd.registry import MODELS
    cfg = read_config(
        osp.join(REPO, 'configs', 'mmpretrain', 'deit',
                 'deit_regnety160_deit-base_16xb64_in1k.py'))
    assert cfg.recipe == dict(total_batch_size=1024, lr=1e-3, max_epochs=300)
    assert cfg.train_dataloader.batch_size == 1024
    assert cfg.optim_wrapper.optimizer.lr == 1e-3
    assert cfg.train_cfg.max_epochs == 300
    assert cfg.model.architecture.backbone.drop_path_rate == 0.1
    # the file the README's commands write
    assert cfg.model.teacher_ckpt == \
        'checkpoints/regnety_160-a5fe301d_state.pth'
    init_default_scope(cfg.default_scope)
    model = MODELS.build(
        dict(
            cfg.model,
            teacher_ckpt=None,
            teacher_ckpt_optional=True,
            data_preprocessor=cfg.data_preprocessor))
    head = model.student.head
    assert type(head).__name__ == 'DeiTDistillClsHead'
    assert head.loss_module.loss_weight == 0.5
    reference = timm.create_model('regnety_160', num_classes=1000)
    assert set(model.teacher.state_dict()) == set(reference.state_dict())
    from mmpretrain.structures import DataSample
    batch = dict(
        inputs=[torch.randint(0, 255, (3, 64, 64), dtype=torch.uint8)] * 2,
        data_samples=[DataSample().set_gt_label(i) for i in (3, 7)])
    data = model.data_preprocessor(batch, True)
    model.train()
    losses = model(**data, mode='loss')
    assert set(losses) == {'student.loss', 'distill.loss_deit'}
    assert all(torch.isfinite(v) for v in losses.values())


def test_readmes_teacher_unwrapping_command_runs_as_written(tmp_path):
    """The README's command on a stand-in for DeiT's teacher file (weights
    under 'model'): it writes the bare state dict the teacher loads."""
    import shlex
    import subprocess
    with open(osp.join(REPO, 'configs', 'mmpretrain', 'deit',
                       'README.md')) as f:
        lines = [
            line for line in f.read().splitlines()
            if line.startswith('python -c "import torch; torch.save(')
        ]
    assert len(lines) == 1, lines
    (tmp_path / 'checkpoints').mkdir()
    state = {
        'stem.conv.weight': torch.randn(2, 3),
        'head.fc.bias': torch.ones(4)
    }
    torch.save({'model': state},
               tmp_path / 'checkpoints' / 'regnety_160-a5fe301d.pth')
    proc = subprocess.run([
        sys.executable if arg == 'python' else arg
        for arg in shlex.split(lines[0])
    ],
                          cwd=tmp_path,
                          capture_output=True,
                          text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = torch.load(tmp_path / 'checkpoints' /
                     'regnety_160-a5fe301d_state.pth')
    assert out.keys() == state.keys()
    assert all(torch.equal(out[k], state[k]) for k in state)


def test_mmrazors_cross_entropy_is_deits_hard_loss():
    """MMRazor's CrossEntropyLoss (``F.cross_entropy(preds_S,
    preds_T.argmax(dim=1)) * loss_weight``) converts to DeiTLoss('hard')."""
    sys.path.insert(0, osp.join(REPO, 'tools', 'misc'))
    from mmrazor_compat import convert_loss

    from mmkd.registry import MODELS
    cfg = convert_loss(
        dict(type='CrossEntropyLoss', loss_weight=0.5), 1000, 64)
    assert cfg == dict(type='DeiTLoss', mode='hard', loss_weight=0.5)
    gen = torch.Generator().manual_seed(0)
    s, t = (
        torch.randn(4, 7, generator=gen, dtype=torch.float64)
        for _ in range(2))
    razor = F.cross_entropy(s, t.argmax(dim=1)) * 0.5
    ours = MODELS.build(dict(cfg, _scope_='mmkd'))(s, t)
    assert torch.equal(ours, razor)
