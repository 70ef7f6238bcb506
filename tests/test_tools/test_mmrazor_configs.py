"""MMRazor 1.0.0's 31 distillation configs for mmcls, mmdet and mmseg,
converted by tools/misc/convert_mmrazor_config.py and trained 2 iterations
through tools/train.py's config handling on tiny generated data (no
checkpoint downloads: teachers start from random weights).

The configs come from MMRazor's wheel, downloaded with ``pip download
--no-deps`` at test time (pip answers from its cache when it has the
wheel); MMRazor is never installed or imported. Each config that cannot run
is listed in ``UNSUPPORTED`` with the reason the converter gives."""
import importlib.util
import json
import os.path as osp
import re
import subprocess
import sys
import zipfile

import pytest
from data_utils import (TINY_COCO_CLASSES, TINY_SEG_METAINFO, make_tiny_coco,
                        make_tiny_imagenet, make_tiny_seg)
from tool_utils import REPO

sys.path.insert(0, osp.join(REPO, 'tools', 'misc'))
from convert_mmrazor_config import convert_file  # noqa: E402
from mmrazor_compat import Unsupported  # noqa: E402

DISTILL = 'mmrazor/.mim/configs/distill/'
CONVERTED = {
    'mmcls/abloss/abloss_logits_resnet50_resnet18_8xb32_in1k.py',
    'mmcls/abloss/abloss_pretrain_backbone_resnet50_resnet18_8xb32_in1k.py',
    'mmcls/crd/crd_neck_r50_r18_8xb16_cifar10.py',
    'mmcls/dafl/dafl_logits_resnet34_resnet18_8xb256_cifar10.py',
    'mmcls/deit/deit-base_regnety160_pt-16xb64_in1k.py',
    'mmcls/dfad/dfad_logits_resnet34_resnet18_8xb32_cifar10.py',
    'mmcls/dist/dist_logits_resnet34_resnet18_8xb32_in1k.py',
    'mmcls/dkd/dkd_resnet34_resnet18_8xb32_in1k.py',
    'mmcls/fitnets/fitnets_backbone_logits_resnet50_resnet18_8xb32_in1k.py',
    'mmcls/kd/kd_logits_resnet34_resnet18_8xb32_in1k.py',
    'mmcls/kd/kd_logits_resnet50_mobilenet-v2_8xb32_in1k.py',
    'mmcls/kd/kd_logits_resnet50_shufflenet-v2-1x_16xb64_in1k.py',
    'mmcls/ofd/ofd_backbone_resnet50_resnet18_8xb16_cifar10.py',
    'mmcls/rkd/rkd_neck_resnet34_resnet18_8xb32_in1k.py',
    'mmcls/wsld/wsld_logits_resnet34_resnet18_8xb32_in1k.py',
    'mmcls/zskt/zskt_backbone_logits_resnet34_resnet18_8xb16_cifar10.py',
    'mmdet/cwd/cwd_cls_head_gfl_r101_fpn_gfl_r50_fpn_1x_coco.py',
    'mmdet/cwd/cwd_fpn_frcnn_r101_frcnn_r50_1x_coco.py',
    'mmdet/cwd/cwd_fpn_retina_r101_retina_r50_1x_coco.py',
    'mmdet/cwd/cwd_fpn_retina_r101_retina_r50_1x_coco_visualization.py',
    'mmdet/mgd/mgd_fpn_retina_x101_retina_r50_2x_coco.py',
    'mmdet/pkd/pkd_fpn_faster-rcnn_r101_faster-rcnn_r50_2x_coco.py',
    'mmdet/pkd/pkd_fpn_fcos_x101_retina_r50_1x_coco.py',
    'mmdet/pkd/pkd_fpn_mask-rcnn_swin_retina_r50_2x_coco.py',
    'mmdet/pkd/pkd_fpn_reppoints_x101-dcn_reppoints_r50_2x_coco.py',
    'mmdet/pkd/pkd_fpn_retina_x101_retina_r50_2x_coco.py',
    'mmseg/cwd/'
    'cwd_logits_pspnet_r101-d8_pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py',
}
UNSUPPORTED = {
    'mmcls/byot/byot_resnet18_8xb16_cifar100.py':
    'cifar100_bs16_auto_aug.py',  # a base outside the distill folder
    'mmcls/factor_transfer/'
    'factor-transfer_backbone_resnet50_resnet18_8xb16_cifar10_pretrain.py':
    'student_trainable=False',
    'mmcls/factor_transfer/'
    'factor-transfer_backbone_resnet50_resnet18_8xb16_cifar10_train.py':
    "factor transfer's two-stage",
    'mmdet/fbkd/fbkd_fpn_faster-rcnn_r101_faster-rcnn_r50_1x_coco.py':
    "FBKD's MMRazor connectors",
}


@pytest.fixture(scope='module')
def razor(tmp_path_factory):
    """MMRazor 1.0.0's distill configs, unpacked from its wheel."""
    tmp = tmp_path_factory.mktemp('mmrazor')
    proc = subprocess.run([
        sys.executable, '-m', 'pip', 'download', '--no-deps', '-q', '-d',
        str(tmp), 'mmrazor==1.0.0'
    ],
                          capture_output=True,
                          text=True,
                          timeout=300)
    wheels = list(tmp.glob('mmrazor-1.0.0-*.whl'))
    if proc.returncode != 0 or not wheels:
        pytest.fail('pip download --no-deps mmrazor==1.0.0 failed (PyPI '
                    f'unreachable and not in pip\'s cache?):\n{proc.stderr}')
    with zipfile.ZipFile(wheels[0]) as whl:
        whl.extractall(tmp,
                       [n for n in whl.namelist() if n.startswith(DISTILL)])
    return tmp / DISTILL


def test_the_wheel_has_31_configs_for_mmcls_mmdet_mmseg(razor):
    found = {
        str(p.relative_to(razor))
        for task in ('mmcls', 'mmdet', 'mmseg')
        for p in (razor / task).rglob('*.py') if 'datasets' not in p.parts
    }
    assert found == CONVERTED | set(UNSUPPORTED)
    assert len(found) == 31 and len(CONVERTED) == 27


@pytest.mark.parametrize('name', sorted(UNSUPPORTED))
def test_unsupported_config_names_why(razor, name, tmp_path):
    with pytest.raises((Unsupported, FileNotFoundError)) as err:
        convert_file(str(razor / name), str(tmp_path / 'out.py'))
    assert UNSUPPORTED[name] in str(err.value)


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    return dict(
        mmpretrain=make_tiny_imagenet(
            str(tmp_path_factory.mktemp('in')), num_train=1, num_val=1),
        mmdet=make_tiny_coco(
            str(tmp_path_factory.mktemp('coco')), num_train=4, num_val=1),
        mmseg=make_tiny_seg(
            str(tmp_path_factory.mktemp('seg')),
            num_train=4,
            num_val=1,
            img_size=64))


def _train_tool():
    spec = importlib.util.spec_from_file_location(
        'mmkd_train_tool', osp.join(REPO, 'tools', 'train.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _shrink_pipeline(pipeline):
    """The pipeline with 64-pixel crops and 128-pixel detection resizes
    (RepPoints' deepest level needs more than 64)."""
    out = []
    for step in pipeline:
        step = dict(step)
        if step['type'] in ('Resize', 'RandomResize', 'RandomChoiceResize'):
            step = dict(type='Resize', scale=(128, 128), keep_ratio=True)
        for key in ('scale', 'crop_size'):
            if isinstance(step.get(key), int):
                step[key] = 64
        if step['type'] == 'ResizeEdge':
            step['scale'] = 72
        out.append(step)
    return out


def tiny(cfg, data):
    """Point ``cfg`` at tiny data, 2 iterations, no validation, no
    teacher checkpoint."""
    scope = cfg.get('default_scope')
    loader = cfg.train_dataloader
    dataset = loader.dataset
    while 'dataset' in dataset:  # RepeatDataset and friends
        dataset = dataset.dataset
    if scope == 'mmpretrain':
        pipeline = _shrink_pipeline(dataset.pipeline)
        if pipeline[0]['type'] != 'LoadImageFromFile':  # CIFAR's in memory
            pipeline.insert(0, dict(type='LoadImageFromFile'))
        new = dict(
            type='CustomDataset',
            data_root=data['mmpretrain'],
            data_prefix='train',
            pipeline=pipeline)
    elif scope == 'mmdet':
        new = dict(
            type='CocoDataset',
            data_root=data['mmdet'] + '/',
            ann_file='annotations/instances_train2017.json',
            data_prefix=dict(img='train2017/'),
            metainfo=dict(classes=TINY_COCO_CLASSES),
            filter_cfg=dict(filter_empty_gt=True, min_size=1),
            pipeline=_shrink_pipeline(dataset.pipeline))
    else:
        new = dict(
            type='BaseSegDataset',
            data_root=data['mmseg'],
            data_prefix=dict(
                img_path='img_dir/train', seg_map_path='ann_dir/train'),
            img_suffix='.png',
            seg_map_suffix='.png',
            metainfo=TINY_SEG_METAINFO,
            pipeline=[
                dict(type='LoadImageFromFile'),
                dict(type='LoadAnnotations'),
                dict(type='PackSegInputs')
            ])
        from mmengine.config import Config

        from mmkd.utils.config_check import resolve_config_path
        student = Config.fromfile(
            resolve_config_path(cfg.model.architecture.cfg_path))
        preprocessor = dict(student.model.data_preprocessor, size=(64, 64))
        preprocessor['type'] = 'mmseg.' + preprocessor['type']
        cfg.model.data_preprocessor = preprocessor
    cfg.train_dataloader = dict(
        # 2 per batch: RKD relates the samples of a batch, and mmseg's
        # PSPNet pools to 1x1 before a BN
        batch_size=1 if scope == 'mmdet' else 2,
        num_workers=0,
        persistent_workers=False,
        sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=new)
    cfg.train_cfg = dict(
        type='IterBasedTrainLoop', max_iters=2, val_interval=1000)
    for key in ('val_dataloader', 'val_cfg', 'val_evaluator',
                'test_dataloader', 'test_cfg', 'test_evaluator'):
        cfg[key] = None
    cfg.custom_hooks = [
        h for h in cfg.get('custom_hooks', [])
        if 'EvaluateTeacherHook' not in h['type']
    ]
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1000)
    for loss in cfg.model.get('distiller', {}).get('distill_losses',
                                                   {}).values():
        if loss['type'] == 'CRDLoss':  # its memory bank: one row a sample
            loss['n_data'] = 4  # the tiny set's 4 training images
    cfg.model.teacher_ckpt = None
    cfg.model.teacher_ckpt_optional = True
    cfg.randomness = dict(seed=0)
    cfg.param_scheduler = None  # schedules longer than 2 iterations
    if 'generator' in cfg.model:  # DFAD, ZSKT, DAFL: 2 images a step;
        cfg.model.batch_size = 2  # the loader only counts iterations
        cfg.train_dataloader.dataset = [{}] * 2
    return cfg


@pytest.mark.parametrize('name', sorted(CONVERTED))
def test_converted_config_trains_two_iterations(razor, name, data, tmp_path,
                                                monkeypatch):
    # no downloads: pretrained backbones (and ABLoss's stage-1 student)
    # start from their random initialisation
    from mmengine.model.weight_init import PretrainedInit
    monkeypatch.setattr(PretrainedInit, '__call__', lambda self, m: None)
    out = tmp_path / osp.basename(name)
    convert_file(str(razor / name), str(out))
    train = _train_tool()
    monkeypatch.setattr(
        sys, 'argv',
        ['tools/train.py',
         str(out), '--work-dir',
         str(tmp_path / 'work')])
    args = train.parse_args()
    cfg = tiny(
        train.apply_args(train.read_config(str(out), args.cfg_options), args),
        data)
    # the recipe check applies: the tiny run trains another batch on
    # purpose, so it warns instead of stopping
    match = re.search(r'(\d+)xb(\d+)', name)
    if cfg.get('recipe'):
        assert cfg.recipe.total_batch_size == \
            int(match.group(1)) * int(match.group(2))
        cfg.recipe.mismatch = 'warn'
    else:  # no NxbM in the name, or a data-free config
        assert match is None or 'generator' in cfg.model
    from mmkd.cli import build_runner
    runner = build_runner(cfg)
    runner.train()
    assert runner.iter == 2
    if cfg.get('recipe'):
        with open(osp.join(runner.log_dir, 'effective_recipe.json')) as f:
            declared = json.load(f)['declared']
        assert declared['total_batch_size'] == cfg.recipe.total_batch_size


def test_converted_config_declares_mmrazors_recipe(razor, tmp_path):
    """8 GPUs x 32 images, lr 0.1, 100 epochs: the setting behind
    MMRazor's published KD number, checked by RecipeHook."""
    from mmengine.config import Config
    name = 'mmcls/kd/kd_logits_resnet34_resnet18_8xb32_in1k.py'
    out = tmp_path / 'kd.py'
    convert_file(str(razor / name), str(out))
    cfg = Config.fromfile(str(out))
    assert (cfg.recipe.total_batch_size, cfg.recipe.lr,
            cfg.recipe.max_epochs) == (256, 0.1, 100)
    assert 'kd_logits_resnet34_resnet18_8xb32_in1k.py' in cfg.recipe.source
    assert [h for h in cfg.custom_hooks if h.type == 'mmkd.RecipeHook']


def test_kldivergence_mean_reduction_becomes_an_exact_weight():
    import torch
    import torch.nn.functional as F

    from mmkd.registry import MODELS
    cfg = dict(type='KLDivergence', tau=6, loss_weight=10, reduction='mean')
    converted = __import__('mmrazor_compat').convert_loss(cfg, 1000, 32)
    assert converted == dict(type='KDLoss', tau=6, loss_weight=10 / 1000)
    gen = torch.Generator().manual_seed(0)
    s, t = (
        torch.randn(4, 1000, generator=gen, dtype=torch.float64)
        for _ in range(2))
    # MMRazor's KLDivergence.forward with reduction='mean'
    razor = 10 * 36 * F.kl_div(
        F.log_softmax(s / 6, 1), F.softmax(t / 6, 1), reduction='mean')
    ours = MODELS.build(dict(converted, _scope_='mmkd'))(s, t)
    assert abs(ours.item() - razor.item()) <= 1e-9 * abs(razor.item())


def test_abloss_becomes_an_exact_weight():
    import torch

    from mmkd.registry import MODELS
    converted = __import__('mmrazor_compat').convert_loss(
        dict(type='ABLoss', loss_weight=0.5), 1000, 32)
    assert converted == dict(type='ABLoss', loss_weight=0.5 * 3 / 1000)
    gen = torch.Generator().manual_seed(0)
    s, t = (
        torch.randn(4, 8, 3, 3, generator=gen, dtype=torch.float64)
        for _ in range(2))
    # MMRazor's ABLoss.forward (margin 1)
    hinge = ((s + 1)**2 * ((s > -1) & (t <= 0)) + (s - 1)**2 *
             ((s <= 1) & (t > 0))).sum()
    razor = 0.5 * hinge / 4 / 1000 * 3
    ours = MODELS.build(dict(converted, _scope_='mmkd'))(s, t)
    assert abs(ours.item() - razor.item()) <= 1e-12 * abs(razor.item())


def test_crd_becomes_mmkds_crd_with_class_exact_negatives(razor, tmp_path):
    from mmengine.config import Config
    out = tmp_path / 'crd.py'
    convert_file(
        str(razor / 'mmcls/crd/crd_neck_r50_r18_8xb16_cifar10.py'), str(out))
    cfg = Config.fromfile(str(out))
    assert 'CRDDataset' not in out.read_text()
    assert cfg.train_dataloader.dataset.type == 'CIFAR10'
    assert cfg.train_dataloader.dataset.pipeline[-1].type == 'PackInputs'
    distiller = cfg.model.distiller
    assert distiller.distill_losses.loss_crd == dict(
        type='CRDLoss',
        in_channels=512,
        out_channels=2048,
        n_data=50000,
        feat_dim=128,
        nce_k=16384,
        tau=0.07,
        nce_m=0.5,
        negatives='other_classes',
        loss_weight=0.8)
    assert not distiller.get('connectors')
    assert set(distiller.student_recorders) == {'neck'}
    assert dict(type='mmkd.DatasetLabelsHook') in cfg.custom_hooks


def _razor_rkd(s, t, with_l2_norm=True):
    """MMRazor's DistanceWiseRKD(25) + AngleWiseRKD(50) forward."""
    import torch
    import torch.nn.functional as F

    def distances(x):
        square = x.pow(2).sum(-1)
        d = (square[:, None] + square[None] -
             2 * x @ x.t()).clamp(min=1e-12).sqrt().clone()
        d[range(len(x)), range(len(x))] = 0
        return d / d[d > 0].mean()

    def angles(x):
        v = F.normalize(x[None] - x[:, None], p=2, dim=2)
        return torch.bmm(v, v.transpose(1, 2)).view(-1)

    s, t = s.flatten(1), t.flatten(1)
    if with_l2_norm:
        s, t = F.normalize(s, p=2, dim=1), F.normalize(t, p=2, dim=1)
    return 25 * F.smooth_l1_loss(distances(s), distances(t)) + \
        50 * F.smooth_l1_loss(angles(s), angles(t))


def test_rkd_with_l2_norm_converts_to_normalised_rkd(razor, tmp_path):
    """MMRazor's RKD config: its two losses on L2-normalised pooled
    features are mmkd's RKDLoss terms on L2NormalizeConnector outputs (the
    same value in float64 as MMRazor's formulas)."""
    import torch
    from mmengine.config import Config

    from mmkd.registry import MODELS
    out = tmp_path / 'rkd.py'
    convert_file(
        str(razor / 'mmcls/rkd/rkd_neck_resnet34_resnet18_8xb32_in1k.py'),
        str(out))
    distiller = Config.fromfile(str(out)).model.distiller
    assert distiller.connectors == dict(
        l2_normalize=dict(type='L2NormalizeConnector'))
    for mapping in distiller.loss_forward_mappings.values():
        assert {spec.connector for spec in mapping.values()} == \
            {'l2_normalize'}
    gen = torch.Generator().manual_seed(0)
    s = torch.randn(6, 512, 1, 1, generator=gen, dtype=torch.float64) * 3
    t = torch.randn(6, 512, 1, 1, generator=gen, dtype=torch.float64)
    norm = MODELS.build(dict(type='L2NormalizeConnector', _scope_='mmkd'))
    ours = sum(
        MODELS.build(dict(cfg, _scope_='mmkd'))(norm(s), norm(t))
        for cfg in distiller.distill_losses.values())
    razor_value = _razor_rkd(s, t)
    assert abs(ours.item() - razor_value.item()) <= 1e-12 * razor_value.item()
    # without the normalisation the loss is another one
    plain = sum(
        MODELS.build(dict(cfg, _scope_='mmkd'))(s, t)
        for cfg in distiller.distill_losses.values())
    assert abs(plain.item() - razor_value.item()) > 1e-3


def test_wsld_converts_to_the_same_gradients():
    """MMRazor's WSLD is a soft cross-entropy, mmkd's WSLDLoss the KL: the
    same gradients; the values differ by the weighted teacher entropy."""
    import torch
    import torch.nn.functional as F

    from mmkd.registry import MODELS
    cfg = __import__('mmrazor_compat').convert_loss(
        dict(type='WSLD', tau=2, loss_weight=2.5, num_classes=10), 10, 4)
    assert cfg == dict(type='WSLDLoss', tau=2, loss_weight=2.5)
    gen = torch.Generator().manual_seed(0)
    s = torch.randn(4, 10, generator=gen, dtype=torch.float64)
    t = torch.randn(4, 10, generator=gen, dtype=torch.float64)
    labels = torch.tensor([1, 3, 5, 7])

    def razor(s):  # MMRazor's WSLD.forward
        p_t = F.softmax(t / 2, 1)
        ce = -(p_t * F.log_softmax(s / 2, 1)).sum(1, keepdim=True)
        ce_s = F.cross_entropy(s.detach(), labels, reduction='none')[:, None]
        ce_t = F.cross_entropy(t, labels, reduction='none')[:, None]
        weight = 1 - torch.exp(-(ce_s / (ce_t + 1e-7)).clamp(min=0))
        return 2.5 * 4 * (weight * ce).mean(), weight

    ours_s = s.clone().requires_grad_()
    razor_s = s.clone().requires_grad_()
    ours = MODELS.build(dict(cfg, _scope_='mmkd'))(ours_s, t, gt_labels=labels)
    theirs, weight = razor(razor_s)
    ours.backward()
    theirs.backward()
    assert torch.allclose(ours_s.grad, razor_s.grad, rtol=1e-12, atol=1e-15)
    p_t = F.softmax(t / 2, 1)
    entropy = -(p_t * F.log_softmax(t / 2, 1)).sum(1, keepdim=True)
    gap = 2.5 * 4 * (weight * entropy).mean()
    assert abs((theirs - ours).item() - gap.item()) <= 1e-12 * gap.item()


def test_l2loss_mult_becomes_its_square_on_the_weight():
    import torch

    from mmkd.registry import MODELS
    cfg = __import__('mmrazor_compat').convert_loss(
        dict(type='L2Loss', loss_weight=10, mult=3), 1000, 4)
    assert cfg == dict(
        type='L2Loss', loss_weight=90.0, reduction='batchmean', normalize=True)
    gen = torch.Generator().manual_seed(0)
    s, t = (
        torch.randn(4, 8, 3, 3, generator=gen, dtype=torch.float64)
        for _ in range(2))

    def normalised(x):  # MMRazor's L2Loss.normalize_feature, mult 3
        x = x.view(x.size(0), -1)
        return x / x.norm(2, dim=1, keepdim=True) * 3

    razor = 10 * (normalised(s) - normalised(t)).pow(2).sum() / 4
    ours = MODELS.build(dict(cfg, _scope_='mmkd'))(s, t)
    assert abs(ours.item() - razor.item()) <= 1e-12 * razor.item()


def test_dkd_sum_over_the_batch_becomes_the_weight():
    """MMRazor's DKDLoss sums over the samples (F.kl_div(...,
    size_average=False)): the converted weight carries the batch."""
    import torch
    import torch.nn.functional as F

    from mmkd.registry import MODELS
    cfg = __import__('mmrazor_compat').convert_loss(
        dict(type='DKDLoss', tau=1, beta=0.5, loss_weight=1, reduction='mean'),
        1000, 4)
    assert cfg == dict(type='DKDLoss', tau=1, beta=0.5, loss_weight=4.0)
    gen = torch.Generator().manual_seed(0)
    s, t = (
        torch.randn(4, 10, generator=gen, dtype=torch.float64)
        for _ in range(2))
    labels = torch.tensor([0, 3, 3, 9])
    gt = F.one_hot(labels, 10).bool()

    def cat(p):  # MMRazor's _cat_mask
        return torch.stack([(p * gt).sum(1), (p * ~gt).sum(1)], 1)

    # MMRazor's DKDLoss.forward (alpha 1, beta 0.5, tau 1), summed
    tckd = F.kl_div(
        torch.log(cat(F.softmax(s, 1))), cat(F.softmax(t, 1)), reduction='sum')
    nckd = F.kl_div(
        F.log_softmax(s - 1000.0 * gt, 1),
        F.softmax(t - 1000.0 * gt, 1),
        reduction='sum')
    razor = tckd + 0.5 * nckd
    ours = MODELS.build(dict(cfg, _scope_='mmkd'))(s, t, gt_labels=labels)
    assert abs(ours.item() - razor.item()) <= 1e-9 * razor.item()
