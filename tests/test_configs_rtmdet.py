"""MMYOLO's RTMDet distillation recipe on mmdet 3.3's RTMDet.

- configs/mmdet/rtmdet/ (s->tiny, m->s, l->m, x->l): each config parses,
  trains the published setting its card (metafile.yml) states, states the
  published numbers in its header and in the README, and builds with random
  weights on CPU (recorded neck convs checked at build) and runs one
  distillation loss step whose losses reach the student and the connectors.
- configs/mmdet/tiny/ (tiny RTMDets, 128 px): the teacher trains one epoch,
  the distillation three epochs through tools/train.py; the distillation
  losses are logged in the first two epochs and gone in the third, after
  the stop and the pipeline switch.
"""
import glob
import json
import math
import os.path as osp
import re
import sys

import pytest
import torch
import yaml
from data_utils import make_tiny_coco
from mmengine.config import Config
from mmengine.registry import init_default_scope
from tool_utils import REPO, coco_options, free_port, run_tool, train_tiny_coco

import mmkd  # noqa: F401  registers mmkd's models, losses and hooks
from mmkd.registry import MODELS
from mmkd.utils.config_check import check_top_level_keys, resolve_config_path

sys.path.insert(0, osp.join(REPO, 'tools', 'model_converters'))
from export_student import export_student  # noqa: E402

FOLDER = osp.join(REPO, 'configs', 'mmdet', 'rtmdet')
TINY = osp.join(REPO, 'configs', 'mmdet', 'tiny')
# the configs of the folder; rtmdet_neck_cwd.py is the part they share
CONFIGS = sorted(glob.glob(osp.join(FOLDER, 'kd_*.py')))
LEVELS = ('fpn0', 'fpn1', 'fpn2')
# student, teacher: MMYOLO's published box mAP (student alone, teacher,
# distilled; MMYOLO's configs/rtmdet/distillation/README.md) and mmdet's own
# RTMDets (mmdet's configs/rtmdet/metafile.yml)
PUBLISHED = {
    'kd_tiny_rtmdet_s_neck_300e_coco.py': ('41.0', '44.6', '41.8'),
    'kd_s_rtmdet_m_neck_300e_coco.py': ('44.6', '49.3', '45.7'),
    'kd_m_rtmdet_l_neck_300e_coco.py': ('49.3', '51.4', '50.2'),
    'kd_l_rtmdet_x_neck_300e_coco.py': ('51.4', '52.8', '52.3'),
}
MMDET = {'tiny': 40.9, 's': 44.5, 'm': 49.1, 'l': 51.3, 'x': 52.6}


def config_id(path):
    return osp.basename(path)


def build(cfg):
    """The algorithm with an untrained teacher, no weights loaded."""
    cfg.model.teacher_ckpt = None
    cfg.model.teacher_ckpt_optional = True
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    return MODELS.build(cfg.model)


def cards():
    with open(osp.join(FOLDER, 'metafile.yml')) as f:
        return {
            osp.basename(m['Config']): m
            for m in yaml.safe_load(f)['Models']
        }


def header(path):
    with open(path) as f:
        return ''.join(line for line in f if line.startswith('#'))


def config_value(cfg, key):
    """``custom_hooks.<Type>.<arg>`` picks the hook of that type (with or
    without its scope prefix); other keys are dotted paths."""
    parts = key.split('.')
    if parts[0] == 'custom_hooks':
        hooks = [
            h for h in cfg.custom_hooks if h.type.split('.')[-1] == parts[1]
        ]
        assert len(hooks) == 1, f'{key}: {len(hooks)} hooks of that type'
        node, parts = hooks[0], parts[2:]
    else:
        node = cfg
    for part in parts:
        node = node[part]
    return node


def test_all_configs_found_and_carded():
    assert {config_id(p) for p in CONFIGS} == set(PUBLISHED)
    assert set(cards()) == set(PUBLISHED)


@pytest.mark.parametrize('path', CONFIGS, ids=config_id)
def test_card_checked_against_config(path):
    """Every hand-written recipe fact of the card is what the config
    trains; the published numbers are in the card, the header and the
    README."""
    cfg = Config.fromfile(path)
    name = config_id(path)
    card = cards()[name]
    recipe = card['Metadata']['Recipe']
    for key, value in recipe['checked'].items():
        assert config_value(cfg, key) == value, key
    # the headline numbers of the card
    pub_s, pub_t, pub_d = PUBLISHED[name]
    assert recipe['published']['box AP'] == float(pub_d)
    assert card['Metadata']['Student']['Published']['box AP'] == float(pub_s)
    assert card['Metadata']['Teacher']['Published']['box AP'] == float(pub_t)
    size_s, size_t = re.match(r'kd_(\w+?)_rtmdet_(\w+?)_neck', name).groups()
    assert card['Metadata']['Student']['mmdet']['box AP'] == MMDET[size_s]
    assert card['Metadata']['Teacher']['mmdet']['box AP'] == MMDET[size_t]
    assert recipe['reported'] is None  # nothing trained by mmkd
    assert len(recipe['deviations']) >= 8
    text = header(path)
    with open(osp.join(FOLDER, 'README.md')) as f:
        readme = f.read()
    row = [line for line in readme.splitlines() if f'({name})' in line]
    assert len(row) == 1, f'README has no single table row for {name}'
    for number in (pub_s, pub_t, pub_d, str(MMDET[size_s])):
        pattern = rf'(?<![\d.]){re.escape(number)}(?!\d)'
        assert re.search(pattern, text), f'{name}: header lacks {number}'
        assert re.search(pattern, row[0]), f'README row lacks {number}'
    for word in ('Paper:', 'Student:', 'Teacher:', 'dist_train.sh',
                 f'configs/mmdet/rtmdet/{name}', 'Published'):
        assert word in text, f'{name}: header lacks {word!r}'


@pytest.mark.parametrize('path', CONFIGS, ids=config_id)
def test_recipe_of_mmyolo(path, tmp_path):
    """What MMYOLO's config trains, read from the resolved config: 8 x 32
    images, AdamW 0.004, 300 epochs, the pipeline switch and the stop at
    epoch 280, EMA, CWD (tau 1, weight 1) on the three neck output convs
    through the normalising connectors of the right widths."""
    cfg = Config.fromfile(path)
    check_top_level_keys(cfg)
    assert cfg.default_scope == 'mmdet'
    model = cfg.model
    assert model.type == 'SingleTeacherDistill' and model._scope_ == 'mmkd'
    assert model.teacher_ckpt == cfg.teacher_ckpt
    assert cfg.teacher_ckpt.startswith('checkpoints/')
    assert cfg.recipe.total_batch_size == 8 * cfg.train_dataloader.batch_size
    assert cfg.recipe.lr == cfg.optim_wrapper.optimizer.lr == 0.004
    assert cfg.recipe.max_epochs == cfg.train_cfg.max_epochs == 300
    types = [h.type for h in cfg.custom_hooks]
    assert types == [
        'EMAHook', 'PipelineSwitchHook', 'mmkd.StopDistillHook',
        'mmkd.EvaluateTeacherHook', 'mmkd.RecipeHook'
    ]
    ema, switch, stop = cfg.custom_hooks[:3]
    assert ema.ema_type == 'ExpMomentumEMA' and ema.momentum == 0.0002
    assert switch.switch_epoch == stop.stop_epoch == 280
    assert not any('Mosaic' in t.type or 'MixUp' in t.type
                   for t in switch.switch_pipeline)
    assert any('Mosaic' in t.type
               for t in cfg.train_dataloader.dataset.pipeline)
    assert cfg.find_unused_parameters is True
    # the connectors' widths are the student's and teacher's necks'
    student = Config.fromfile(
        resolve_config_path(model.architecture.cfg_path)).model
    teacher = Config.fromfile(resolve_config_path(
        model.teacher.cfg_path)).model
    distiller = model.distiller
    for level in LEVELS:
        i = LEVELS.index(level)
        for side in ('student_recorders', 'teacher_recorders'):
            assert distiller[side][level] == dict(
                type='ModuleOutputs', source=f'neck.out_convs.{i}.conv')
        assert distiller.connectors[f'{level}_s'] == dict(
            type='ConvNormConnector',
            in_channels=student.neck.out_channels,
            out_channels=teacher.neck.out_channels)
        assert distiller.connectors[f'{level}_t'] == dict(
            type='NormConnector', in_channels=teacher.neck.out_channels)
        assert distiller.distill_losses[f'loss_{level}'] == dict(
            type='ChannelWiseDivergence', tau=1.0, loss_weight=1.0)
        mapping = distiller.loss_forward_mappings[f'loss_{level}']
        assert mapping.student.connector == f'{level}_s'
        assert mapping.teacher.connector == f'{level}_t'
    # the runner dumps the config into the work dir: it must round-trip
    dumped = tmp_path / config_id(path)
    cfg.dump(str(dumped))
    assert Config.fromfile(str(dumped)).model.to_dict() == model.to_dict()


def fake_batch(size=64):
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData
    samples = []
    for _ in range(2):  # two images: the connectors' batch statistics
        gt = InstanceData()
        gt.bboxes = torch.tensor([[4., 4., 40., 40.]])
        gt.labels = torch.tensor([0])
        sample = DetDataSample()
        sample.gt_instances = gt
        sample.set_metainfo(
            dict(
                img_shape=(size, size),
                pad_shape=(size, size),
                batch_input_shape=(size, size),
                ori_shape=(size, size),
                scale_factor=(1., 1.)))
        samples.append(sample)
    return torch.randn(2, 3, size, size), samples


@pytest.mark.parametrize('path', CONFIGS, ids=config_id)
def test_build_and_one_loss_step(path):
    torch.manual_seed(0)
    cfg = Config.fromfile(path)
    algorithm = build(cfg)
    student = dict(algorithm.student.named_modules())
    teacher = dict(algorithm.teacher.named_modules())
    for i in range(3):  # the recorded convs exist on both, 3x3, pre-BN
        name = f'neck.out_convs.{i}.conv'
        assert isinstance(student[name], torch.nn.Conv2d), name
        assert isinstance(teacher[name], torch.nn.Conv2d), name
        assert student[f'neck.out_convs.{i}.bn'] is not None
    algorithm.train()
    losses = algorithm(*fake_batch(), mode='loss')
    distill = {k: v for k, v in losses.items() if k.startswith('distill.')}
    assert sorted(distill) == [f'distill.loss_{level}' for level in LEVELS]
    for key, value in distill.items():
        assert value.dim() == 0 and torch.isfinite(value), key
        assert value.item() > 0 and value.requires_grad, key
    assert {'student.loss_cls', 'student.loss_bbox'} <= set(losses)
    sum(distill.values()).backward()
    for level in LEVELS:
        conv = algorithm.distiller.connectors[f'{level}_s'].conv
        assert conv.weight.grad is not None and conv.weight.grad.abs().sum()
    assert student['neck.out_convs.0.conv'].weight.grad.abs().sum() > 0
    assert not any(p.requires_grad for p in algorithm.teacher.parameters())


# ------------------------------------------------------------- tiny, trained
TINY_TEACHER = osp.join(TINY, 'rtmdet_w025_tiny-coco.py')
TINY_DISTILL = osp.join(TINY, 'kd_rtmdet_w025-w0125_neck_tiny-coco.py')


@pytest.fixture(scope='module')
def tiny_teacher(tmp_path_factory):
    """The generated data and the tiny teacher trained one epoch."""
    coco = make_tiny_coco(
        str(tmp_path_factory.mktemp('tiny_coco')),
        num_train=8,
        num_val=4,
        img_size=128)
    teacher_dir = tmp_path_factory.mktemp('rtmdet_teacher')
    train_tiny_coco(TINY_TEACHER, teacher_dir, coco)
    return coco, str(teacher_dir / 'epoch_1.pth')


@pytest.fixture(scope='module')
def tiny_run(tmp_path_factory, tiny_teacher):
    coco, teacher_ckpt = tiny_teacher
    work_dir = tmp_path_factory.mktemp('rtmdet_distill')
    epochs = Config.fromfile(TINY_DISTILL).train_cfg.max_epochs
    proc = train_tiny_coco(
        TINY_DISTILL,
        work_dir,
        coco,
        epochs=epochs,
        options=[f'model.teacher_ckpt={teacher_ckpt}'])
    scalars = glob.glob(str(work_dir / '*' / 'vis_data' / 'scalars.json'))
    assert len(scalars) == 1, scalars
    with open(scalars[0]) as f:
        logged = [json.loads(line) for line in f]
    return work_dir, proc.stdout + proc.stderr, logged, epochs


def test_tiny_config_stops_within_the_run():
    cfg = Config.fromfile(TINY_DISTILL)
    hooks = {h.type.split('.')[-1]: h for h in cfg.custom_hooks}
    stop = hooks['StopDistillHook'].stop_epoch
    assert hooks['PipelineSwitchHook'].switch_epoch == stop
    assert 0 < stop < cfg.train_cfg.max_epochs
    assert cfg.find_unused_parameters is True
    # the README's commands as written: the teacher config's last
    # checkpoint in its default work dir is the default teacher_ckpt
    teacher_epochs = Config.fromfile(TINY_TEACHER).train_cfg.max_epochs
    assert cfg.model.teacher_ckpt == (
        f'work_dirs/rtmdet_w025_tiny-coco/epoch_{teacher_epochs}.pth')


def test_tiny_distill_logs_before_the_stop_and_not_after(tiny_run):
    _, output, logged, epochs = tiny_run
    stop = epochs - 1  # the last epoch trains the student alone
    train = [r for r in logged if 'epoch' in r and 'lr' in r]
    assert {r['epoch'] for r in train} == set(range(1, epochs + 1))
    keys = [f'distill.loss_{level}' for level in LEVELS]
    before = [r for r in train if r['epoch'] <= stop]
    after = [r for r in train if r['epoch'] > stop]
    assert before and after
    for record in before:
        for key in keys:
            assert math.isfinite(record[key]) and record[key] > 0, record
    for record in after:
        assert not any(k.startswith('distill.') for k in record), record
        assert 'student.loss_cls' in record and 'student.loss_bbox' in record
    for record in train:
        assert math.isfinite(record['loss']), record
    # the pipeline switch and the stop, both before the last epoch's steps
    lines = output.splitlines()

    def first(pattern):
        found = [i for i, line in enumerate(lines) if pattern in line]
        assert found, f'{pattern!r} not in the output'
        return found[0]

    last_epoch = first(f'Epoch(train) [{epochs}][1/')
    assert first('Switch pipeline now!') < last_epoch
    assert first(f'Distillation stops at epoch {epochs}') < last_epoch
    assert first(f'Epoch(train) [{stop}][1/') < first('Switch pipeline now!')
    assert 'Teacher(val)    coco/bbox_mAP: ' in output
    assert 'coco/bbox_mAP' in output


def test_tiny_checkpoint_is_student_and_connectors(tiny_run):
    work_dir, _, _, epochs = tiny_run
    ckpt = torch.load(work_dir / f'epoch_{epochs}.pth', weights_only=False)
    state = ckpt['state_dict']
    assert not any(k.startswith('teacher') for k in state)
    assert any(k.startswith('architecture.neck.out_convs.') for k in state)
    assert any(k.startswith('distiller.connectors.fpn0_s.conv') for k in state)


def test_tiny_recorded_convs_exist():
    algorithm = build(Config.fromfile(TINY_DISTILL))
    for model in (algorithm.student, algorithm.teacher):
        names = dict(model.named_modules())
        for i in range(3):
            assert isinstance(names[f'neck.out_convs.{i}.conv'],
                              torch.nn.Conv2d)


def test_tiny_export_loads_into_the_plain_student(tiny_run, tmp_path):
    """The exported student (EMA weights, as the run evaluated them) is a
    plain mmdet RTMDet checkpoint of the student's own config, loaded
    strictly."""
    from mmengine.runner import load_checkpoint
    work_dir, _, _, epochs = tiny_run
    ckpt = work_dir / f'epoch_{epochs}.pth'
    exported = tmp_path / 'student.pth'
    export_student(str(ckpt), str(exported))
    cfg = Config.fromfile(osp.join(TINY, 'rtmdet_w0125_tiny-coco.py'))
    init_default_scope('mmdet')
    student = MODELS.build(cfg.model)
    load_checkpoint(student, str(exported), strict=True)
    state = torch.load(ckpt, weights_only=False)['state_dict']
    for key, value in student.state_dict().items():
        assert torch.equal(value, state[f'architecture.{key}']), key


def test_tiny_distill_two_processes_through_the_stop(tiny_teacher, tmp_path):
    """Under DDP the connectors get no gradient after the stop: the
    config's find_unused_parameters=True reaches the wrapper (without it
    the first step after the stop fails)."""
    coco, teacher_ckpt = tiny_teacher
    epochs = Config.fromfile(TINY_DISTILL).train_cfg.max_epochs
    proc = run_tool([
        'bash', 'tools/dist_train.sh', TINY_DISTILL, '2', '--work-dir',
        str(tmp_path), '--cfg-options', *coco_options(coco, epochs),
        f'model.teacher_ckpt={teacher_ckpt}'
    ],
                    env=dict(PYTHON=sys.executable, PORT=str(free_port())))
    output = proc.stdout + proc.stderr
    assert 'GPU number: 2' in output  # MMEngine's name for the world size
    assert f'Distillation stops at epoch {epochs}' in output
    assert f'Epoch(train) [{epochs}][2/2]' in output
    assert (tmp_path / f'epoch_{epochs}.pth').exists()
