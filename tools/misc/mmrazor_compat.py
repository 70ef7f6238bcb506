"""MMRazor 1.0 distillation configs in mmkd's vocabulary (the rules of
``convert_mmrazor_config.py``).

MMRazor's configs inherit ``mmcls::`` bases (mmpretrain 1.x keeps the same
file names under ``mmpretrain::``) and build ``_scope_='mmrazor'`` models
whose explicit ``ConfigurableDistiller`` form mmkd shares
(``student_recorders``, ``teacher_recorders``, ``distill_losses``,
``connectors``, ``loss_forward_mappings`` with ``from_student``,
``recorder``, ``connector``, ``record_idx``, ``data_idx``). What differs is
mapped here, each rule exact or refused with its reason:

- loss argument names: the student-side input (``preds_S``, ``s_feature``,
  ``logits_S``) becomes ``student``, the teacher side ``teacher``;
- ``KLDivergence`` is ``KDLoss``; its ``reduction='mean'`` (also over the
  classes) becomes a ``loss_weight`` divided by the number of classes;
- MMRazor's ``DKDLoss`` passes ``size_average=False`` to ``F.kl_div``, which
  makes it sum over the batch whatever ``reduction`` says: the converted
  ``loss_weight`` is multiplied by the batch per process;
- MMRazor's ``ABLoss`` is mmkd's times 3 / 1000 (a ``loss_weight``
  factor);
- ``DISTLoss``'s ``inter_loss_weight``/``intra_loss_weight`` are ``beta``/
  ``gamma``; ``WSLD`` is ``WSLDLoss`` (the KL, not the soft cross-entropy:
  the same gradients); ``L2Loss``'s sum over each sample
  (``div_element=False``) is ``reduction='batchmean'``; its ``mult``
  (multiplying both normalised features) is ``mult^2`` on ``loss_weight``;
  ``DistanceWiseRKD``/``AngleWiseRKD`` are ``RKDLoss`` with the other
  term's weight 0, on ``L2NormalizeConnector`` outputs on both sides
  where ``with_l2_norm`` (MMRazor's default);
- MMRazor's CRD (``CRDLoss`` on two ``CRDConnector`` embeddings, a
  ``CRDDataset`` wrapper packing ``PackCRDClsInputs``) is mmkd's
  ``CRDLoss``, which holds the embedding heads and reads ``sample_idx``,
  on the wrapped dataset with ``PackInputs``; the wrapper's class-exact
  negatives are ``negatives='other_classes'`` with ``DatasetLabelsHook``;
- ``ConvModuleConnector(in_channel, out_channel, norm_cfg)`` is
  ``ConvBNConnector(in_channels, out_channels, norm=...)``;
- ``FpnTeacherDistill`` is ``SingleTeacherDistill`` (mmkd's teacher stops
  after its last recorded module anyway); ``calculate_student_loss=False``
  is ``student_loss_weight=0``;
- ``SingleTeacherDistillValLoop`` is MMEngine's ``ValLoop`` plus
  ``mmkd.EvaluateTeacherHook``; MMRazor's feature-map visualisation hook
  (``RazorVisualizationHook``) is dropped.
- ``DataFreeDistillation`` (DFAD, ZSKT) is ``AdversarialDataFreeDistill``
  (see the data-free block below); ``DAFLDataFreeDistillation`` is
  ``DAFLDistill`` (mmrazor_dafl.py).
- ``OverhaulFeatureDistillation`` (OFD) is ``SingleTeacherDistill`` with
  mmkd's ``OFDLoss(teacher_bn)`` (``mmrazor_ofd.py``).
"""
import copy
from typing import Any, Dict, List, Optional

from mmrazor_common import Unsupported, _name  # noqa: F401 (re-exported)
from mmrazor_dafl import convert_dafl
from mmrazor_data_free import convert_data_free
from mmrazor_deit import convert_deit_networks
from mmrazor_ofd import convert_ofd

STUDENT_ARGS = ('preds_S', 's_feature', 'logits_S', 's_input', 'feat_S')
TEACHER_ARGS = ('preds_T', 't_feature', 'logits_T', 't_input', 'feat_T')
# MMRazor names with no mmkd counterpart (yet), and why
UNSUPPORTED = {
    'SelfDistill':
    "BYOT's BYOTDistiller wiring is not mapped onto mmkd's SelfDistill (its "
    'L2Loss(dist=True) hint has no exact mmkd loss; configs/mmpretrain/byot/ '
    'is its counterpart)',
    'FBKDStudentConnector':
    "FBKD's MMRazor connectors split the non-local "
    "modules across both sides; mmkd's FBKDLoss holds them itself",
    'FTLoss':
    "factor transfer's two-stage (paraphraser pre-training, then "
    'translator) MMRazor form is not mapped; configs/mmpretrain/ft/ has '
    'its recipe as two mmkd configs',
}
DROPPED_HOOKS = ('RazorVisualizationHook', )


def _scale(cfg: dict, factor: float) -> None:
    cfg['loss_weight'] = float(cfg.get('loss_weight', 1.0)) * factor


def convert_loss(cfg: dict, num_classes: Optional[int],
                 batch_size: Optional[int]) -> dict:
    """One ``distill_losses`` entry in mmkd's names and arguments."""
    cfg = dict(cfg)
    name = _name(cfg.pop('type'))
    if name in UNSUPPORTED:
        raise Unsupported(UNSUPPORTED[name])
    if name == 'KLDivergence':
        if not cfg.pop('teacher_detach', True):
            raise Unsupported('KLDivergence(teacher_detach=False): mmkd '
                              'never back-propagates into the teacher')
        reduction = cfg.pop('reduction', 'batchmean')
        if reduction == 'mean':
            if not num_classes:
                raise Unsupported("KLDivergence(reduction='mean') needs the "
                                  "student head's num_classes")
            _scale(cfg, 1.0 / num_classes)
        elif reduction == 'sum':
            _scale(cfg, float(batch_size))
        elif reduction != 'batchmean':
            raise Unsupported(f'KLDivergence(reduction={reduction!r})')
        return dict(type='KDLoss', **cfg)
    if name == 'DKDLoss':
        cfg.pop('reduction', None)  # ignored by MMRazor: always a sum
        if not batch_size:
            raise Unsupported('DKDLoss needs train_dataloader.batch_size')
        _scale(cfg, float(batch_size))
        return dict(type='DKDLoss', **cfg)
    if name == 'DISTLoss':
        cfg['beta'] = cfg.pop('inter_loss_weight', 1.0)
        cfg['gamma'] = cfg.pop('intra_loss_weight', 1.0)
        return dict(type='DISTLoss', **cfg)
    if name == 'WSLD':
        cfg.pop('num_classes', None)
        return dict(type='WSLDLoss', **cfg)
    if name == 'L2Loss':
        if cfg.pop('dist', False):
            raise Unsupported('L2Loss(dist=True) (the square root of the '
                              'summed squares)')
        cfg['reduction'] = 'mean' if cfg.pop('div_element',
                                             False) else 'batchmean'
        cfg.setdefault('normalize', True)  # MMRazor's default
        # MMRazor multiplies both normalised features by mult (no effect
        # without normalize): the squared distance by mult^2
        mult = float(cfg.pop('mult', 1.0))
        if cfg['normalize']:
            _scale(cfg, mult**2)
        return dict(type='L2Loss', **cfg)
    if name in ('DistanceWiseRKD', 'AngleWiseRKD'):
        # with_l2_norm: L2NormalizeConnectors on both inputs (_distiller)
        cfg.pop('with_l2_norm', True)
        weight = float(
            cfg.pop('loss_weight',
                    25.0 if name == 'DistanceWiseRKD' else 50.0))
        distance = weight if name == 'DistanceWiseRKD' else 0.0
        return dict(
            type='RKDLoss',
            distance_weight=distance,
            angle_weight=weight - distance,
            **cfg)
    if name == 'CrossEntropyLoss':  # CE with the teacher's arg-max class
        return dict(type='DeiTLoss', mode='hard', **cfg)
    if name == 'ABLoss':
        # MMRazor divides its sum by the batch and multiplies it by 3 / 1000;
        # mmkd's ABLoss is the sum divided by the batch
        _scale(cfg, 3.0 / 1000.0)
        return dict(type='ABLoss', **cfg)
    if name in ('ChannelWiseDivergence', 'PKDLoss', 'MGDLoss', 'L1Loss',
                'CRDLoss', 'OFDLoss'):  # already mmkd's (_crd, convert_ofd)
        return dict(type=name, **cfg)
    raise Unsupported(f'loss {name} is not mapped')


def convert_connector(cfg: dict) -> dict:
    cfg = dict(cfg)
    name = _name(cfg.pop('type'))
    if name in UNSUPPORTED:
        raise Unsupported(UNSUPPORTED[name])
    if name == 'ConvModuleConnector':
        out = dict(
            type='ConvBNConnector',
            in_channels=cfg.pop('in_channel'),
            out_channels=cfg.pop('out_channel'),
            kernel_size=cfg.pop('kernel_size', 1),
            norm=cfg.pop('norm_cfg', None) is not None,
            act=cfg.pop('act_cfg', None) is not None)
        if cfg.pop('conv_cfg', None) is not None or \
                cfg.pop('padding', 0) not in (0, ) or cfg:
            raise Unsupported(f'ConvModuleConnector options {sorted(cfg)}')
        return out
    if name == 'MGDConnector':
        return dict(type='MGDConnector', **cfg)
    raise Unsupported(f'connector {name} is not mapped')


def convert_mapping(mapping: Dict[str, Any]) -> Dict[str, Any]:
    """Rename a loss's student/teacher inputs to ``student``/``teacher``."""
    out = {}
    for arg, spec in mapping.items():
        if arg in STUDENT_ARGS:
            arg = 'student'
        elif arg in TEACHER_ARGS:
            arg = 'teacher'
        out[arg] = spec
    return out


def _crd(cfg: dict, name: str, negatives: str) -> None:
    """MMRazor's CRD (``CRDLoss`` on ``CRDConnector`` embeddings, the
    sample indices from the data samples) as mmkd's ``CRDLoss``, which
    holds both embedding heads and reads ``sample_idx`` itself; the
    connectors and the data-sample recorder go. ``negatives``: see
    :func:`_unwrap_crd_datasets`."""
    loss = dict(cfg['distill_losses'][name])
    loss.pop('type')
    mapping = cfg['loss_forward_mappings'][name]
    student, teacher = mapping['s_feats'], mapping['t_feats']
    heads = [
        cfg['connectors'].pop(spec.pop('connector'))
        for spec in (student, teacher)
    ]
    if any(_name(h['type']) != 'CRDConnector' for h in heads) or \
            not heads[0]['dim_out'] == heads[1]['dim_out'] == \
            loss.pop('dim_out', 128) or loss.pop('eps', 1e-7) != 1e-7:
        raise Unsupported('CRDLoss with other embeddings than two '
                          'CRDConnectors of its dim_out, or another eps')
    samples = mapping.pop('data_samples', {}).get('recorder')
    if samples is not None:
        cfg['student_recorders'].pop(samples)
    cfg['distill_losses'][name] = dict(
        type='CRDLoss',
        in_channels=heads[0]['dim_in'],
        out_channels=heads[1]['dim_in'],
        n_data=loss.pop('sample_n', 50000),
        feat_dim=heads[0]['dim_out'],
        nce_k=loss.pop('neg_num', 16384),
        tau=loss.pop('temperature', 0.07),
        nce_m=loss.pop('momentum', 0.5),
        negatives=negatives,
        **loss)
    cfg['loss_forward_mappings'][name] = dict(student=student, teacher=teacher)


def _unwrap_crd_datasets(cfg: dict) -> str:
    """Replace MMRazor's ``CRDDataset`` wrappers by the datasets they wrap
    and return how CRD draws its negatives: ``'other_classes'`` for its
    ``sample_mode='exact'`` over the whole set (mmkd's ``CRDLoss`` draws
    them from the labels ``DatasetLabelsHook`` passes), ``'uniform'``
    without the wrapper (MMRazor's memory then draws uniformly)."""
    negatives = 'uniform'
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = (cfg.get(key) or {}).get('dataset') or {}
        if _name(dataset.get('type', '')) != 'CRDDataset':
            continue
        if dataset.get('sample_mode', 'exact') != 'exact' or \
                dataset.get('percent', 1.0) != 1.0:
            raise Unsupported('CRDDataset other than sample_mode=exact, '
                              'percent=1.0')
        cfg[key]['dataset'] = dataset['dataset']
        if key == 'train_dataloader':
            negatives = 'other_classes'
            neg_num = dataset.get('neg_num', 16384)
            for loss in cfg['model']['distiller'].get('distill_losses',
                                                      {}).values():
                if _name(loss['type']) == 'CRDLoss' and \
                        loss.get('neg_num', 16384) != neg_num:
                    raise Unsupported('CRDDataset.neg_num differs from '
                                      'CRDLoss.neg_num')
    for key in [
            k for k, v in cfg.items()
            if isinstance(v, dict) and _name(v.get('type', '')) == 'CRDDataset'
    ]:
        del cfg[key]  # a variable of the file, no longer used
    if negatives == 'other_classes':
        cfg.setdefault('custom_hooks',
                       []).append(dict(type='mmkd.DatasetLabelsHook'))
    return negatives


def _distiller(cfg: dict,
               num_classes,
               batch_size,
               crd_negatives: str = 'uniform') -> dict:
    cfg = copy.deepcopy(cfg)
    if _name(cfg.get('type', '')) != 'ConfigurableDistiller':
        raise Unsupported(f"distiller {cfg.get('type')} is not mapped")
    cfg['type'] = 'ConfigurableDistiller'
    for name, loss in list(cfg.get('distill_losses', {}).items()):
        if _name(loss['type']) == 'CRDLoss':
            _crd(cfg, name, crd_negatives)
    # MMRazor's RKD losses L2-normalise both inputs (with_l2_norm=True)
    l2_normalized = [
        name for name, loss in cfg.get('distill_losses', {}).items()
        if _name(loss['type']) in ('DistanceWiseRKD', 'AngleWiseRKD')
        and loss.get('with_l2_norm', True)
    ]
    cfg['distill_losses'] = {
        k: convert_loss(v, num_classes, batch_size)
        for k, v in cfg.get('distill_losses', {}).items()
    }
    if cfg.get('connectors'):
        cfg['connectors'] = {
            k: convert_connector(v)
            for k, v in cfg['connectors'].items()
        }
    cfg['loss_forward_mappings'] = {
        k: convert_mapping(v)
        for k, v in cfg.get('loss_forward_mappings', {}).items()
    }
    for name in l2_normalized:
        for spec in cfg['loss_forward_mappings'][name].values():
            if spec.get('connector') is not None:
                raise Unsupported(f'{name}: with_l2_norm after a connector')
            spec['connector'] = 'l2_normalize'
        cfg['connectors'] = dict(
            cfg.get('connectors') or {},
            l2_normalize=dict(type='L2NormalizeConnector'))
    return cfg


def _find_types(node: Any) -> List[str]:
    if isinstance(node, dict):
        found = []
        if isinstance(node.get('type'), str):
            found.append(_name(node['type']))
        return found + [t for v in node.values() for t in _find_types(v)]
    if isinstance(node, (list, tuple)):
        return [t for v in node for t in _find_types(v)]
    return []


def _rescope(node: Any) -> Any:
    """``mmcls`` scopes and prefixes as ``mmpretrain``; mmcls 1.0rc's
    ``PackClsInputs`` as mmpretrain's ``PackInputs``."""
    if isinstance(node, dict):
        node = {k: _rescope(v) for k, v in node.items()}
        if node.get('_scope_') == 'mmcls':
            node['_scope_'] = 'mmpretrain'
        if isinstance(node.get('type'), str):
            t = node['type']
            if t.startswith('mmcls.'):
                t = 'mmpretrain.' + t[len('mmcls.'):]
            node['type'] = {
                'PackClsInputs': 'PackInputs',
                'PackCRDClsInputs': 'PackInputs'
            }.get(t, t)
            if t == 'PackCRDClsInputs':  # mmpretrain's own dataset scope
                node.pop('_scope_', None)
        return node
    if isinstance(node, (list, tuple)):
        return type(node)(_rescope(v) for v in node)
    if isinstance(node, str) and node.startswith('mmcls::'):
        return 'mmpretrain::' + node[len('mmcls::'):]
    return node


def convert_config(cfg: dict, student_num_classes: Optional[int]) -> dict:
    """An MMRazor distillation config (merged, as a dict) in mmkd's
    vocabulary; raises :class:`Unsupported` with the reason when a part has
    no exact mmkd counterpart."""
    cfg = _rescope(copy.deepcopy(cfg))
    model = cfg['model']
    for name in _find_types(model):
        if name in UNSUPPORTED:
            raise Unsupported(UNSUPPORTED[name])
    algorithm = _name(model.get('type', ''))
    if algorithm == 'DataFreeDistillation':
        return convert_data_free(cfg, _distiller)
    if algorithm == 'DAFLDataFreeDistillation':
        return convert_dafl(cfg)
    if algorithm == 'OverhaulFeatureDistillation':
        convert_ofd(model)
        algorithm = 'SingleTeacherDistill'
    if algorithm not in ('SingleTeacherDistill', 'FpnTeacherDistill'):
        raise Unsupported(f'algorithm {algorithm} is not mapped')
    if not model.pop('student_trainable', True):
        raise Unsupported('student_trainable=False (a connector-only '
                          'pre-training stage) is not mapped')
    convert_deit_networks(model)
    batch_size = cfg.get('train_dataloader', {}).get('batch_size')
    negatives = _unwrap_crd_datasets(cfg)
    model['distiller'] = _distiller(model['distiller'], student_num_classes,
                                    batch_size, negatives)
    if not model.pop('calculate_student_loss', True):
        model['student_loss_weight'] = 0.0
    model.update(_scope_='mmkd', type='SingleTeacherDistill')
    for side in ('architecture', 'teacher'):
        model[side].pop('pretrained', None)
    cfg.pop('model_wrapper_cfg', None)
    hooks = [
        h for h in cfg.get('custom_hooks', [])
        if _name(h.get('type', '')) not in DROPPED_HOOKS
    ]
    val_loop = _name(cfg.get('val_cfg', {}).get('type', ''))
    if val_loop == 'SingleTeacherDistillValLoop':
        cfg['val_cfg'] = dict(type='ValLoop')
        hooks.append(dict(type='mmkd.EvaluateTeacherHook'))
    elif val_loop not in ('', 'ValLoop'):
        raise Unsupported(f'val loop {val_loop} is not mapped')
    cfg['custom_hooks'] = hooks
    visualization = cfg.get('default_hooks', {}).get('visualization') or {}
    if _name(visualization.get('type', '')) in DROPPED_HOOKS:
        del cfg['default_hooks']['visualization']
    return cfg
