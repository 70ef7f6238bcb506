"""The published-recipe detection configs under configs/mmdet/{pkd,cwd,mgd,
yolox_kd}: each parses, names its published numbers, builds (layer names,
connectors and losses are checked at build) and runs one distillation loss
step on CPU.

The teachers are built without checkpoints (``teacher_ckpt=None`` with
``teacher_ckpt_optional=True``) and ``init_weights`` is not called, so no
weights are loaded or downloaded. One 64x64 image keeps each loss step to a
few seconds, X101 and YOLOX-L teachers included, so every config gets the
full check (the whole file runs in about a minute on 2 CPU cores).
"""
import glob
import logging
import os.path as osp
import re
import types

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmkd  # noqa: F401  registers mmkd's models, losses and hooks
from mmkd.registry import MODELS
from mmkd.utils.config_check import check_top_level_keys, resolve_config_path

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
METHOD_DIRS = ('pkd', 'cwd', 'mgd', 'yolox_kd', 'fbkd')
CONFIGS = sorted(
    path for method in METHOD_DIRS
    for path in glob.glob(osp.join(REPO, 'configs', 'mmdet', method, '*.py')))

# numbers each header has to state (mmdet's and MMRazor's metafiles)
PUBLISHED = {
    'pkd_fpn_faster-rcnn_r101-r50_2x_coco.py': ['38.4', '40.3'],
    'pkd_fpn_retinanet_x101-r50_2x_coco.py': ['37.4', '40.8'],
    'pkd_fpn_mask-rcnn_x101-r50_2x_coco.py': ['39.2', '35.4'],
    'cwd_fpn_gfl_r101-r50_1x_coco.py': ['40.2', '41.9'],
    'mgd_fpn_retinanet_x101-r50_2x_coco.py': ['37.4', '41.0'],
    'yolox-kd_head_yolox-l-s_8xb8-300e_coco.py': ['40.5'],
    'fbkd_fpn_faster-rcnn_r101-r50_1x_coco.py': ['37.4', '39.3'],
}
# distill losses each config has to log
DISTILL_LOSSES = {
    'pkd_fpn_faster-rcnn_r101-r50_2x_coco.py':
    [f'distill.loss_pkd_fpn{i}' for i in range(4)],
    'pkd_fpn_retinanet_x101-r50_2x_coco.py':
    [f'distill.loss_pkd_fpn{i}' for i in range(4)],
    'pkd_fpn_mask-rcnn_x101-r50_2x_coco.py':
    [f'distill.loss_pkd_fpn{i}' for i in range(4)],
    'cwd_fpn_gfl_r101-r50_1x_coco.py': ['distill.loss_channelwisedivergence'],
    'mgd_fpn_retinanet_x101-r50_2x_coco.py':
    [f'distill.loss_mgd_fpn{i}' for i in range(5)],
    'yolox-kd_head_yolox-l-s_8xb8-300e_coco.py': ['distill.loss_yolox_kd'],
    'fbkd_fpn_faster-rcnn_r101-r50_1x_coco.py':
    [f'distill.loss_fbkd_fpn{i}' for i in range(4)],
}
SIZE = 64


def config_id(path):
    return osp.basename(path)


def load(path):
    cfg = Config.fromfile(path)
    return cfg


def build(cfg):
    """The algorithm, with an untrained teacher and no weights loaded."""
    cfg.model.teacher_ckpt = None
    cfg.model.teacher_ckpt_optional = True
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    return MODELS.build(cfg.model)


def header(path):
    lines = []
    with open(path) as f:
        for line in f:
            if not line.startswith('#'):
                break
            lines.append(line)
    return ''.join(lines)


def fake_batch(with_masks):
    from mmdet.structures import DetDataSample
    from mmdet.structures.mask import BitmapMasks
    from mmengine.structures import InstanceData
    gt = InstanceData()
    gt.bboxes = torch.tensor([[4., 4., 40., 40.]])
    gt.labels = torch.tensor([0])
    if with_masks:
        mask = torch.zeros(1, SIZE, SIZE, dtype=torch.uint8)
        mask[:, 4:40, 4:40] = 1
        gt.masks = BitmapMasks(mask.numpy(), SIZE, SIZE)
    sample = DetDataSample()
    sample.gt_instances = gt
    sample.set_metainfo(
        dict(
            img_shape=(SIZE, SIZE),
            pad_shape=(SIZE, SIZE),
            batch_input_shape=(SIZE, SIZE),
            ori_shape=(SIZE, SIZE),
            scale_factor=(1., 1.)))
    return torch.randn(1, 3, SIZE, SIZE), [sample]


def test_all_configs_found():
    assert {config_id(p) for p in CONFIGS} == set(PUBLISHED)


@pytest.mark.parametrize('path', CONFIGS, ids=config_id)
def test_config_parses_and_states_its_numbers(path, tmp_path):
    cfg = load(path)
    name = config_id(path)
    model = cfg.model
    assert model.type == 'SingleTeacherDistill'
    assert model._scope_ == 'mmkd'
    assert cfg.default_scope == 'mmdet'
    # the student's and teacher's mmdet configs exist
    for role in ('architecture', 'teacher'):
        if 'cfg_path' in model[role]:
            assert model[role].cfg_path.startswith('mmdet::')
            assert osp.isfile(resolve_config_path(model[role].cfg_path))
    # the teacher checkpoint is a local path users fill in, never a URL
    assert cfg.teacher_ckpt == model.teacher_ckpt
    assert model.teacher_ckpt.startswith('checkpoints/')
    assert '://' not in model.teacher_ckpt
    assert {'type': 'mmkd.EvaluateTeacherHook'} in cfg.custom_hooks
    text = header(path)
    for number in PUBLISHED[name]:
        assert re.search(rf'(?<![\d.]){re.escape(number)}(?!\d)',
                         text), (f'{name}: header does not state {number}')
    for word in ('Paper:', 'Student:', 'Teacher:', 'Train', 'dist_train.sh',
                 f'configs/mmdet/{osp.basename(osp.dirname(path))}/{name}'):
        assert word in text, f'{name}: header lacks {word!r}'
    # the runner dumps the config into the work dir: it must round-trip
    dumped = tmp_path / name
    cfg.dump(str(dumped))
    assert Config.fromfile(str(dumped)).model.to_dict() == model.to_dict()


@pytest.mark.parametrize('path', CONFIGS, ids=config_id)
def test_mmkd_tools_accept_the_top_level_keys(path):
    """tools/train.py and tools/test.py refuse keys that look misspelled."""
    check_top_level_keys(load(path))  # e.g. YOLOX's tta_model/pipeline


@pytest.mark.parametrize('path', CONFIGS, ids=config_id)
def test_build_and_one_loss_step(path):
    torch.manual_seed(0)
    cfg = load(path)
    name = config_id(path)
    algorithm = build(cfg)
    assert not any(p.requires_grad for p in algorithm.teacher.parameters())
    algorithm.train()
    assert not algorithm.teacher.training
    inputs, samples = fake_batch(with_masks='mask-rcnn' in name)
    losses = algorithm(inputs, samples, mode='loss')
    distill = {k: v for k, v in losses.items() if k.startswith('distill.')}
    assert sorted(distill) == sorted(DISTILL_LOSSES[name])
    for key, value in distill.items():
        assert value.dim() == 0 and torch.isfinite(value), key
        assert value.requires_grad, f'{key} does not reach the student'
    # the student's own losses are still there
    assert any(k.startswith('student.loss_') for k in losses)
    if len(algorithm.distiller.connectors):
        # learned connectors (MGD's generation blocks) get gradients
        sum(distill.values()).backward()
        for cname, connector in algorithm.distiller.connectors.items():
            grads = [p.grad for p in connector.parameters()]
            assert grads and all(g is not None for g in grads), cname


def test_mgd_student_inherits_teacher_neck_and_head(tmp_path):
    """MGD's RetinaNet recipe starts the student's neck and head from the
    teacher checkpoint (init_cfg); check that init_weights does that."""
    path = osp.join(REPO, 'configs', 'mmdet', 'mgd',
                    'mgd_fpn_retinanet_x101-r50_2x_coco.py')
    cfg = load(path)
    student = cfg.model.architecture
    assert student.neck.init_cfg.checkpoint == cfg.teacher_ckpt
    assert student.bbox_head.init_cfg.checkpoint == cfg.teacher_ckpt
    # a stand-in teacher checkpoint; the ImageNet backbone init is skipped
    # (it would download)
    torch.manual_seed(0)
    teacher = build(load(path)).teacher
    state = {
        k: v
        for k, v in teacher.state_dict().items()
        if k.startswith(('neck.', 'bbox_head.'))
    }
    ckpt = str(tmp_path / 'teacher.pth')
    torch.save(dict(state_dict=state), ckpt)
    student.neck.init_cfg.checkpoint = ckpt
    student.bbox_head.init_cfg.checkpoint = ckpt
    student.backbone.init_cfg = None
    algorithm = build(cfg)
    algorithm.init_weights()
    own = algorithm.student.state_dict()
    assert all(torch.equal(own[k], v) for k, v in state.items())


def test_yolox_mode_switch_hook_reaches_the_student():
    """YOLOX's recipe switches on the L1 loss for its last 15 epochs with
    mmdet's YOLOXModeSwitchHook, which sets ``model.detector.bbox_head`` (or
    ``model.bbox_head``) on the trained model."""
    from mmdet.engine.hooks import YOLOXModeSwitchHook
    path = osp.join(REPO, 'configs', 'mmdet', 'yolox_kd',
                    'yolox-kd_head_yolox-l-s_8xb8-300e_coco.py')
    cfg = load(path)
    hook_cfg = [
        h for h in cfg.custom_hooks if h.type == 'YOLOXModeSwitchHook'
    ][0]
    algorithm = build(cfg)
    hook = YOLOXModeSwitchHook(num_last_epochs=hook_cfg.num_last_epochs)
    skipped = []
    runner = types.SimpleNamespace(
        epoch=cfg.train_cfg.max_epochs - hook_cfg.num_last_epochs,
        max_epochs=cfg.train_cfg.max_epochs,
        model=algorithm,
        logger=logging.getLogger(__name__),
        train_dataloader=types.SimpleNamespace(
            dataset=types.SimpleNamespace(
                update_skip_type_keys=skipped.append),
            persistent_workers=False))
    assert not algorithm.student.bbox_head.use_l1
    hook.before_train_epoch(runner)  # reaches the student as .detector
    assert skipped
    assert algorithm.student.bbox_head.use_l1
    assert not algorithm.teacher.bbox_head.use_l1
