"""Find the layers to distill: the student's and the teacher's modules with
their output shapes, the pairs a config distills, and the pairs (and
connectors) a loss could use.

One batch runs through both networks in ``'tensor'`` mode while a forward
hook on every module notes its output shape (the hooks are removed
afterwards; no tensor is kept). The batch is one batch of the config's
``val_dataloader`` (or ``train_dataloader``) when its data is on disk, and
otherwise a random batch shaped for the model (``--random-input HxW`` always
uses one). The teacher checkpoint is not needed: the networks keep their
initial weights, only shapes matter.

    # a distillation config (its distilled layers are marked with *)
    python tools/analysis_tools/distill_layers.py \\
        configs/kd/fitnet/fitnet_resnet32x4_resnet8x4_1xb64-240e_cifar100.py
    # two plain model configs, and the pairs a loss could use
    python tools/analysis_tools/distill_layers.py \\
        --student configs/baselines/resnet20_cifar100.py \\
        --teacher mmkd::baselines/resnet32x4_cifar100.py --loss FitNetLoss
    # a picture of the distillation graph
    python tools/analysis_tools/distill_layers.py \\
        configs/mmdet/tiny/pkd_fpn_mask-rcnn_r34-r18_tiny-coco.py \\
        --out-graph pkd.png

How ``--loss`` pairs layers (see docs/layer_finder.md):

- *stages* are the children of the ``backbone`` (or of the model, for a
  classifier) with one 4-D output; at each output stride the deepest one
  counts, and student and teacher stages of the same stride are paired;
- *levels* are top-level modules with several 4-D outputs (an FPN ``neck``,
  a ``backbone``); they are paired when their strides agree;
- *logits* are the model's own ``'tensor'``-mode output (a classifier's
  ``linear``, a segmentor's ``decode_head.conv_seg``), paired with logits;
- the *embedding* is the last per-sample vector before the logits (a
  classifier's ``avgpool``).

Each loss type has a rule (:data:`LOSS_RULES`): which of these it pairs and
how a shape difference is bridged: nothing when the shapes match,
``ConvBNConnector`` for other channels of a feature map (``resize=True``
when the sizes differ too), ``ResizeConnector`` for a size difference only,
``LinearEmbedConnector`` for vectors of other sizes.
"""
import argparse
import contextlib
import copy
import difflib
import inspect
import io
import math
import os.path as osp
import re
import sys
import warnings
import weakref
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

sys.path.insert(
    0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from mmkd.tool_env import prepare_tool  # noqa: E402

prepare_tool('tools/analysis_tools/distill_layers.py')

from mmkd.utils.cli import (merge_cfg_options, read_config,  # noqa: E402
                            run_cli)

# noise from the libraries' imports and builds, not about the user's config
for _message in ('pkg_resources is deprecated', '``build_loss`` would be',
                 'Default ``avg_non_ignore``'):
    warnings.filterwarnings('ignore', message=_message)

TOOL = 'tools/analysis_tools/distill_layers.py'
Shape = Tuple[int, ...]

# ---------------------------------------------------------------- loss rules


@dataclass(frozen=True)
class LossRule:
    """How ``--loss`` pairs layers for a kind of loss.

    Attributes:
        kind (str): One line for the user.
        pair_with (tuple): Any of ``'stages'``, ``'levels'``, ``'logits'``
            (any logits), ``'dense_logits'`` (4-D logits of a segmentor) and
            ``'embedding'``.
        fix (str): How a shape difference is bridged: ``'shape'`` (any
            connector), ``'size'`` (``ResizeConnector`` only: the loss takes
            other channel counts), ``'none'`` (the loss takes any shapes),
            ``'same'`` (no connector helps: shapes must match) or ``'mgd'``
            (``MGDConnector`` always).
    """
    kind: str
    pair_with: Tuple[str, ...]
    fix: str


_LOGITS = LossRule('logits with logits; shapes must match', ('logits', ),
                   'same')
_MAPS = LossRule('feature maps of the same shape (a connector adapts them)',
                 ('stages', 'levels', 'dense_logits'), 'shape')
_FEATURES = LossRule(
    'features of the same shape (a connector adapts them)',
    ('stages', 'levels', 'embedding'), 'shape')
_ATTENTION = LossRule(
    'feature maps of the same size; channel counts may differ',
    ('stages', 'levels'), 'size')
_RELATION = LossRule(
    'per-sample features of any shape (batch relations)',
    ('stages', 'embedding'), 'none')
_EMBEDDING = LossRule('per-sample embeddings of any size', ('embedding', ),
                      'none')

LOSS_RULES: Dict[str, LossRule] = {
    'KDLoss': _LOGITS,
    'DKDLoss': _LOGITS,
    'DISTLoss': _LOGITS,
    'WSLDLoss': _LOGITS,
    'LogitStandardKDLoss': _LOGITS,
    'PixelWiseKDLoss': LossRule(
        'segmentation logits with logits; class counts must match',
        ('dense_logits', ), 'size'),
    'ChannelWiseDivergence': _MAPS,
    'PKDLoss': LossRule(_MAPS.kind, ('levels', 'stages'), 'shape'),
    'ABLoss': LossRule(_MAPS.kind, ('stages', ), 'shape'),
    'OFDLoss': LossRule(_MAPS.kind, ('stages', ), 'shape'),
    'FBKDLoss': LossRule(_MAPS.kind, ('stages', 'levels'), 'shape'),
    'ICKDLoss': LossRule(_MAPS.kind, ('stages', 'levels'), 'shape'),
    'MGDLoss': LossRule('feature maps of the same size, through MGDConnector',
                        ('levels', 'stages'), 'mgd'),
    'L2Loss': _FEATURES,
    'L1Loss': _FEATURES,
    'ATLoss': _ATTENTION,
    'NSTLoss': _ATTENTION,
    'VIDLoss': LossRule(
        'feature maps of the same size; the loss maps the channels '
        '(inC, midC, outC)', ('stages', ), 'size'),
    'SPLoss': _RELATION,
    'RKDLoss': _EMBEDDING,
    'PKTLoss': _EMBEDDING,
    'CCLoss': _EMBEDDING,
    'CRDLoss': _EMBEDDING,
}
_DEFAULT_RULE = LossRule(
    'no rule for this loss: feature pairs by the FitNet rule are shown',
    ('stages', 'levels', 'logits'), 'shape')

# required loss arguments the suggestion fills in: student or teacher width
_STUDENT_WIDTH_ARGS = ('inC', 's_dim', 'student_channels')
_TEACHER_WIDTH_ARGS = ('outC', 'midC', 't_dim', 'teacher_channels',
                       'in_channels', 'channels')

# ------------------------------------------------------------ command line


def parse_size(text: str) -> Tuple[int, int]:
    match = re.fullmatch(r'(\d+)(?:[xX](\d+))?', text.strip())
    if not match:
        raise argparse.ArgumentTypeError(
            f'expected HxW such as 64x64 (or one number), got {text!r}')
    h = int(match.group(1))
    return h, int(match.group(2) or h)


def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='See docs/layer_finder.md.')
    parser.add_argument(
        'config',
        nargs='?',
        help='a distillation config (model.type SingleTeacherDistill); or '
        'give --student and --teacher instead')
    parser.add_argument(
        '--student', help='plain model config of the student (a path, or '
        'mmkd::/mmdet::/mmseg:: followed by a path in that package)')
    parser.add_argument('--teacher', help='plain model config of the teacher')
    parser.add_argument(
        '--loss',
        help='a loss type (KDLoss, FitNetLoss, PKDLoss, ATLoss, '
        'ChannelWiseDivergence, ...): suggest layer pairs and connectors '
        'for it and print a config snippet')
    parser.add_argument(
        '--depth',
        type=int,
        default=2,
        help='print modules down to this depth (1: top-level only); '
        'distilled layers are always printed. Defaults to 2.')
    parser.add_argument(
        '--random-input',
        type=parse_size,
        metavar='HxW',
        help='use a random batch of this image size instead of the data')
    parser.add_argument(
        '--batch-size', type=int, default=2, help='defaults to 2')
    parser.add_argument(
        '--out-graph',
        metavar='FILE',
        help='write a picture of the distillation graph (.png, .svg or '
        '.pdf; needs matplotlib)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value pairs such as '
        'model.teacher.type=resnet56 (with --student/--teacher: '
        'model.architecture.* and model.teacher.* reach the two models)')
    args = parser.parse_args(argv)
    if (args.student is None) != (args.teacher is None):
        parser.error('--student and --teacher go together')
    if args.student is not None and args.config is not None:
        parser.error('give a distillation CONFIG or --student and --teacher, '
                     'not both')
    if args.student is None and args.config is None:
        parser.error('give a distillation CONFIG, or --student STUDENT_CONFIG '
                     '--teacher TEACHER_CONFIG')
    if args.depth < 1:
        parser.error('--depth must be at least 1')
    if args.batch_size < 1:
        parser.error('--batch-size must be at least 1')
    if args.out_graph and osp.splitext(args.out_graph)[1].lower() not in (
            '.png', '.svg', '.pdf'):
        parser.error('--out-graph must end in .png, .svg or .pdf')
    return args


# ------------------------------------------------------------------ configs


def _abs_config_path(path: str) -> str:
    from mmkd.utils.config_check import resolve_config_path
    return osp.abspath(resolve_config_path(path))


def load_distill_config(args):
    """The config to build (a distillation config, or one made of
    ``--student`` and ``--teacher``) and whether it names a distiller."""
    if args.student is not None:
        student, teacher = (_abs_config_path(args.student),
                            _abs_config_path(args.teacher))
        # data, scope and preprocessor
        cfg = read_config(args.student)
        if 'model' not in cfg:
            raise KeyError(f'--student {args.student!r} has no model.')
        cfg.model = dict(
            _scope_='mmkd',
            type='SingleTeacherDistill',
            architecture=dict(cfg_path=student),
            teacher=dict(cfg_path=teacher),
            distiller=dict(type='ConfigurableDistiller'))
        has_distiller = False
    else:
        cfg = read_config(args.config, args.cfg_options)
        model = cfg.get('model')
        if not isinstance(model, dict) or not all(
                key in model for key in ('architecture', 'teacher')):
            model_type = model.get('type') if isinstance(model,
                                                         dict) else None
            raise ValueError(
                f'{args.config} is not a distillation config: its model '
                f'(type={model_type!r}) has no architecture and teacher. '
                'Give a distillation config (model.type='
                "'SingleTeacherDistill'), or two model configs with "
                '--student STUDENT_CONFIG --teacher TEACHER_CONFIG.')
        has_distiller = bool(model.get('distiller'))
    if args.student is not None:
        merge_cfg_options(cfg, args.cfg_options)
    return cfg, has_distiller


def explicit_form(distiller: dict) -> dict:
    """The distiller config in the explicit form (the compact form is
    translated by :func:`mmkd.models.distillers.compact_to_explicit`)."""
    from mmkd.models.distillers import compact_to_explicit
    distiller = dict(distiller or {})
    compact = ('student_distill_layer', 'teacher_distill_layer', 'loss',
               'weights')
    if any(distiller.get(key) is not None for key in compact):
        return compact_to_explicit(
            distiller.get('student_distill_layer') or [],
            distiller.get('teacher_distill_layer') or [],
            distiller.get('loss') or [], distiller.get('weights'),
            distiller.get('connectors'))
    return dict(
        student_recorders=dict(distiller.get('student_recorders') or {}),
        teacher_recorders=dict(distiller.get('teacher_recorders') or {}),
        connectors=dict(distiller.get('connectors') or {}),
        distill_losses=dict(distiller.get('distill_losses') or {}),
        loss_forward_mappings=dict(
            distiller.get('loss_forward_mappings') or {}))


def build_models(cfg):
    """Student, teacher and data preprocessor, built as training builds
    them (``SingleTeacherDistill``), with no distiller and no checkpoint."""
    from mmengine.registry import init_default_scope

    from mmkd.registry import MODELS
    init_default_scope(cfg.get('default_scope', 'mmkd'))
    model_cfg = copy.deepcopy(cfg.model).to_dict()
    # (assigned, not merged: the config's distiller is replaced)
    model_cfg['distiller'] = dict(type='mmkd.ConfigurableDistiller')
    model_cfg.update(
        teacher_ckpt=None, teacher_ckpt_optional=True,
        teacher_early_stop=False)
    if cfg.get('data_preprocessor') is not None:  # as the Runner does
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    algo = MODELS.build(model_cfg)
    algo.teardown()  # nothing is attached; shapes are recorded here
    return algo.architecture.eval(), algo.teacher.eval(), \
        algo.data_preprocessor


# -------------------------------------------------------------------- batch


def _task(model) -> str:
    package = type(model).__module__.split('.')[0]
    return package if package in ('mmdet', 'mmseg') else 'cls'


def _find_transform_size(node) -> Optional[Tuple[int, int]]:
    """(H, W) from the first resize or crop transform in a loader config."""
    if isinstance(node, dict):
        kind = str(node.get('type', ''))
        for key in ('scale', 'img_scale', 'crop_size'):
            value = node.get(key)
            if ('Resize' in kind or 'Crop' in kind) and value is not None:
                if isinstance(value, int):
                    return value, value
                if isinstance(value, (list, tuple)) and len(value) == 2 and \
                        all(isinstance(v, int) for v in value):
                    # mmdet/mmcv scales are (w, h); crop sizes (h, w)
                    return (value[1], value[0]) if key != 'crop_size' \
                        else tuple(value)
        children = node.values()
    elif isinstance(node, (list, tuple)):
        children = node
    else:
        return None
    for child in children:
        found = _find_transform_size(child)
        if found:
            return found
    return None


def input_size(cfg, preprocessor, args) -> Tuple[int, int]:
    """The image size of a random batch: ``--random-input``, the
    preprocessor's fixed size (mmseg), the config's resize or crop size,
    else 32x32."""
    if args.random_input:
        return args.random_input
    size = getattr(preprocessor, 'size', None)
    if isinstance(size, (list, tuple)) and len(size) == 2:
        return tuple(size)
    for key in ('val_dataloader', 'test_dataloader', 'train_dataloader'):
        found = _find_transform_size(cfg.get(key))
        if found:
            return found
    return 32, 32


def random_batch(student, preprocessor, size, n: int) -> dict:
    """Random uint8 images and data samples of the student's task."""
    import torch
    h, w = size
    mean = getattr(preprocessor, 'mean', None)
    channels = mean.numel() if isinstance(mean, torch.Tensor) else 3
    inputs = [
        torch.randint(0, 256, (channels, h, w), dtype=torch.uint8)
        for _ in range(n)
    ]
    meta = dict(img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w))
    task = _task(student)
    if task == 'mmdet':
        from mmdet.structures import DetDataSample
        from mmengine.structures import InstanceData
        samples = []
        for i in range(n):
            sample = DetDataSample(metainfo=dict(meta, scale_factor=(1., 1.)))
            sample.gt_instances = InstanceData(
                bboxes=torch.tensor([[w * .1, h * .1, w * .6, h * .6]]),
                labels=torch.tensor([0]))
            samples.append(sample)
    elif task == 'mmseg':
        from mmengine.structures import PixelData
        from mmseg.structures import SegDataSample
        samples = []
        for i in range(n):
            sample = SegDataSample(metainfo=meta)
            sample.gt_sem_seg = PixelData(
                data=torch.zeros(1, h, w, dtype=torch.long))
            samples.append(sample)
    else:
        from mmkd.structures import ClsDataSample
        classes = getattr(student, 'num_classes', 1)
        samples = [
            ClsDataSample(metainfo=dict(meta, sample_idx=i)).set_gt_label(
                i % classes) for i in range(n)
        ]
    return dict(inputs=inputs, data_samples=samples)


def data_batch(cfg, n: int):
    """One batch of the val (else train) data, and where it came from; or
    None and why not."""
    from mmengine.runner import Runner
    reasons = []
    for key in ('val_dataloader', 'train_dataloader'):
        if not cfg.get(key):
            continue
        loader_cfg = copy.deepcopy(cfg[key])
        loader_cfg.update(
            batch_size=n, num_workers=0, persistent_workers=False)
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # pycocotools
                data = next(iter(Runner.build_dataloader(loader_cfg, seed=0)))
        except Exception as err:  # any unreadable data: use random images
            message = (str(err).strip().splitlines() or [''])[0]
            message = message.split('. ')[0][:120]
            reasons.append(f'{key}: {type(err).__name__}: {message}')
            continue
        return data, f'one batch of {key}', reasons
    return None, None, reasons


def make_batch(cfg, student, preprocessor, args):
    """Preprocessed ``inputs``, ``data_samples`` and a line saying what
    they are."""
    data, source, reasons = (None, None, [])
    if args.random_input is None:
        data, source, reasons = data_batch(cfg, args.batch_size)
    if data is None:
        size = input_size(cfg, preprocessor, args)
        data = random_batch(student, preprocessor, size, args.batch_size)
        source = 'random images'
        if reasons:
            source += ' (no data: ' + '; '.join(reasons) + ')'
    processed = preprocessor(data, False)
    return processed['inputs'], processed['data_samples'], source


# -------------------------------------------------------------- recording


def flatten_output(obj, label: str = '', depth: int = 0) -> List[tuple]:
    """``[(label, shape or type name)]``: a tensor is one entry, a
    tuple/list/dict one per element (``[0]``, ``[1][2]``, ``['key']``)."""
    import torch
    if isinstance(obj, torch.Tensor):
        return [(label, tuple(obj.shape))]
    if isinstance(obj, (list, tuple)) and obj and depth < 3:
        out = []
        for i, item in enumerate(obj):
            out += flatten_output(item, f'{label}[{i}]', depth + 1)
        return out
    if isinstance(obj, dict) and obj and depth < 3:
        out = []
        for key, item in obj.items():
            out += flatten_output(item, f'{label}[{key!r}]', depth + 1)
        return out
    if isinstance(obj, (list, tuple)):
        return [(label, f'{type(obj).__name__} of {len(obj)}')]
    return [(label, type(obj).__name__)]


@dataclass
class ModuleRecord:
    """What one module's forward gave (first call) and how often it ran."""
    name: str
    type_name: str
    order: int
    outputs: List[tuple]
    ref: Any = None  # weakref to a single tensor output
    inputs: List[tuple] = field(default_factory=list)
    calls: int = 1

    @property
    def tensor_shape(self) -> Optional[Shape]:
        """The shape of a single tensor output."""
        if len(self.outputs) == 1 and self.outputs[0][0] == '' and \
                isinstance(self.outputs[0][1], tuple):
            return self.outputs[0][1]
        return None

    @property
    def level_shapes(self) -> Optional[List[Shape]]:
        """The shapes of a tuple/list of 4-D tensors (one per level)."""
        shapes = [shape for _, shape in self.outputs]
        labels = [label for label, _ in self.outputs]
        if len(shapes) >= 2 and labels == [f'[{i}]'
                                           for i in range(len(shapes))] \
                and all(isinstance(s, tuple) and len(s) == 4
                        for s in shapes):
            return shapes
        return None


@dataclass
class ModelRun:
    """The shapes one forward produced."""
    role: str
    model: Any
    input_shape: Shape
    records: Dict[str, ModuleRecord]
    output: List[tuple]
    logits: Optional[str] = None  # module whose output is the model's

    def stride(self, shape) -> Optional[int]:
        """Input height / map height for a 4-D map of this batch."""
        if not isinstance(shape, tuple) or len(shape) != 4 or \
                shape[0] != self.input_shape[0] or shape[2] < 1:
            return None
        return max(1, round(self.input_shape[2] / shape[2]))


def run_model(model, role: str, inputs, data_samples) -> ModelRun:
    """Forward once in ``'tensor'`` mode with a hook on every module; the
    hooks are removed whatever happens."""
    import torch
    records: Dict[str, ModuleRecord] = {}
    counter = [0]

    def hook(name):

        def record(module, args, output):
            counter[0] += 1
            if name in records:
                records[name].calls += 1
                return
            ref = weakref.ref(output) if isinstance(output,
                                                    torch.Tensor) else None
            records[name] = ModuleRecord(name, type(module).__name__,
                                         counter[0], flatten_output(output),
                                         ref, flatten_output(args))

        return record

    handles = [
        module.register_forward_hook(hook(name))
        for name, module in model.named_modules()
        if name and not name.startswith('data_preprocessor')
    ]
    try:
        with torch.no_grad():
            output = model(inputs, data_samples, mode='tensor')
    except Exception as err:
        raise RuntimeError(
            f"The {role}'s forward in 'tensor' mode failed on inputs "
            f'{tuple(inputs.shape)}: {type(err).__name__}: {err}') from err
    finally:
        for handle in handles:
            handle.remove()
    run = ModelRun(role, model, tuple(inputs.shape), records,
                   flatten_output(output))
    if isinstance(output, torch.Tensor):
        hits = [r.name for r in records.values()
                if r.ref is not None and r.ref() is output]
        if hits:
            run.logits = max(hits, key=lambda n: n.count('.'))
    for record in records.values():
        record.ref = None
    return run


# ------------------------------------------------- the config's distillation


@dataclass
class Endpoint:
    """One recorded tensor a loss reads."""
    side: str  # 'student' or 'teacher'
    recorder: str
    source: str
    recorder_type: str
    module: Optional[str]  # the module it hooks, if any
    record_idx: int = 0
    data_idx: Optional[int] = None
    connector: Optional[str] = None
    shape: Any = None  # what the recorder gave (a shape, or a list)
    connected: Any = None  # after the connector
    problem: Optional[str] = None


@dataclass
class LossEdge:
    """One distill loss and what it reads."""
    name: str
    type_name: str
    weight: Any
    students: List[Endpoint] = field(default_factory=list)
    teachers: List[Endpoint] = field(default_factory=list)
    others: List[str] = field(default_factory=list)
    note: str = ''


def _shape_of(value):
    import torch
    if isinstance(value, torch.Tensor):
        return tuple(value.shape)
    if isinstance(value, (list, tuple)):
        return [_shape_of(v) for v in value]
    return type(value).__name__


def _module_of(cfg: dict) -> Optional[str]:
    kind = cfg.get('type', 'ModuleOutputs')
    source = cfg.get('source', '')
    if kind in ('ModuleOutputs', 'ModuleInputs'):
        return source
    if kind == 'MethodOutputs' and '.' in source:
        return source.rsplit('.', 1)[0]
    return None


class DistillRecorders:
    """The config's recorders, attached one by one (so that one unknown
    layer name is reported without hiding the others) and torn down
    afterwards."""

    def __init__(self, explicit: dict, student, teacher) -> None:
        from mmengine.registry import DefaultScope

        from mmkd.models.recorders import RecorderManager
        self.managers: Dict[Tuple[str, str], Any] = {}
        self.cfgs: Dict[Tuple[str, str], dict] = {}
        self.problems: Dict[Tuple[str, str], str] = {}
        for side, model in (('student', student), ('teacher', teacher)):
            for name, cfg in explicit[f'{side}_recorders'].items():
                cfg = dict(cfg)
                self.cfgs[side, name] = cfg
                try:
                    with DefaultScope.overwrite_default_scope('mmkd'):
                        manager = RecorderManager({name: cfg})
                    manager.initialize(model, side)
                except Exception as err:  # reported, the others still run
                    self.problems[side, name] = str(err).strip('"\'')
                    continue
                self.managers[side, name] = manager

    def module_names(self, side: str, kind: str) -> List[str]:
        return [
            cfg['source'] for (s, _), cfg in self.cfgs.items()
            if s == side and cfg.get('type', 'ModuleOutputs') == kind
        ]

    def recording(self, side: str) -> ExitStack:
        stack = ExitStack()
        for (s, _), manager in self.managers.items():
            if s == side:
                stack.enter_context(manager.recording())
        return stack

    def teardown(self) -> None:
        for manager in self.managers.values():
            manager.teardown()


def _endpoint(spec: dict, recorders: DistillRecorders) -> Endpoint:
    side = 'student' if spec.get('from_student') else 'teacher'
    name = spec.get('recorder')
    cfg = recorders.cfgs.get((side, name), {})
    point = Endpoint(
        side, name, cfg.get('source', '?'), cfg.get('type', 'ModuleOutputs'),
        _module_of(cfg) if cfg else None, spec.get('record_idx', 0),
        spec.get('data_idx'), spec.get('connector'))
    if (side, name) in recorders.problems:
        point.problem = 'see "Problems with the distilled layers" above'
    elif (side, name) not in recorders.managers:
        point.problem = f'no {side} recorder named {name!r}'
    return point


def loss_edges(explicit: dict, recorders: DistillRecorders) -> List[LossEdge]:
    """Each loss with the tensors it reads, their shapes and what its
    connectors make of them."""
    from mmengine.registry import DefaultScope

    from mmkd.models.distillers.loss_signature import (declared_ground_truth,
                                                       loss_class)
    from mmkd.registry import MODELS
    import torch
    edges = []
    for name, loss_cfg in explicit['distill_losses'].items():
        try:
            cls = loss_class(name, loss_cfg)
            type_name = cls.__name__
            declared = declared_ground_truth(cls)
            default = inspect.signature(cls.__init__).parameters.get(
                'loss_weight')
            weight = loss_cfg.get(
                'loss_weight', default.default if default is not None and
                default.default is not inspect.Parameter.empty else None)
        except (KeyError, TypeError, ValueError):
            type_name, weight = str(loss_cfg.get('type')), loss_cfg.get(
                'loss_weight')
            declared = {}
        edge = LossEdge(name, type_name, weight)
        mapping = dict(explicit['loss_forward_mappings'].get(name, {}))
        for arg, field_name in declared.items():
            mapping.setdefault(arg, dict(data_samples=field_name))
        values = {}
        for arg, spec in mapping.items():
            specs = spec if isinstance(spec, list) else [spec]
            for one in specs:
                if 'data_samples' in one:
                    edge.others.append(f'{arg} <- data_samples.'
                                       f'{one["data_samples"]}')
                    continue
                point = _endpoint(one, recorders)
                (edge.students if point.side == 'student' else
                 edge.teachers).append(point)
                if point.problem:
                    continue
                manager = recorders.managers[point.side, point.recorder]
                try:
                    value = manager[point.recorder].get_record_data(
                        point.record_idx, point.data_idx)
                except (IndexError, TypeError) as err:
                    point.problem = str(err)
                    continue
                point.shape = _shape_of(value)
                values[id(point)] = value
        reference = None
        if len(edge.teachers) == 1 and id(edge.teachers[0]) in values:
            reference = values[id(edge.teachers[0])]
        for point in edge.students + edge.teachers:
            if point.connector is None or id(point) not in values:
                continue
            cfg = explicit['connectors'].get(point.connector)
            if cfg is None:
                point.problem = f'no connector named {point.connector!r}'
                continue
            try:
                with DefaultScope.overwrite_default_scope('mmkd'):
                    connector = MODELS.build(copy.deepcopy(cfg)) \
                        if isinstance(cfg, dict) else cfg
                with torch.no_grad():
                    point.connected = _shape_of(connector.eval()(
                        values[id(point)],
                        reference if isinstance(reference, torch.Tensor)
                        and point.side == 'student' else None))
            except Exception as err:  # reported with the loss
                point.problem = (f'connector {point.connector!r} failed: '
                                 f'{type(err).__name__}: {err}')
        edge.note = _edge_note(edge)
        edges.append(edge)
    return edges


def _edge_note(edge: LossEdge) -> str:
    if any(p.problem for p in edge.students + edge.teachers):
        return 'see the problem above'
    if len(edge.students) != 1 or len(edge.teachers) != 1:
        return ''
    student, teacher = edge.students[0], edge.teachers[0]
    s_shape = student.connected if student.connector else student.shape
    t_shape = teacher.connected if teacher.connector else teacher.shape
    if s_shape == t_shape:
        return 'shapes match'
    rule = LOSS_RULES.get(edge.type_name)
    if rule is not None and rule.fix in ('none', 'size'):
        return f'shapes differ, which {edge.type_name} allows'
    fix = _connector(rule.fix if rule else 'shape', student.shape, t_shape)
    hint = f'; a connector would fix it: {format_cfg(fix[0])}' \
        if fix[0] else ''
    return f'SHAPES DIFFER: {s_shape} vs {t_shape}{hint}'


# ------------------------------------------------------------- suggestions


@dataclass
class Feature:
    """A candidate tensor for pairing."""
    name: str
    kind: str  # 'stage' | 'levels' | 'logits' | 'embedding'
    shape: Any  # a shape, or a list of shapes (levels)
    stride: Any = None
    data_idx: Optional[int] = None
    inputs: bool = False  # the module's input (ModuleInputs), not output

    @property
    def layer(self):
        """The compact form's layer entry."""
        if self.inputs:
            return dict(type='ModuleInputs', source=self.name,
                        data_idx=self.data_idx)
        if self.data_idx is None:
            return self.name
        return dict(source=self.name, data_idx=self.data_idx)

    @property
    def label(self) -> str:
        if self.inputs:
            return f'{self.name} (input)'
        return self.name if self.data_idx is None else \
            f'{self.name}[{self.data_idx}]'


@dataclass
class Candidates:
    stages: Dict[int, Feature]
    levels: List[Feature]
    logits: Optional[Feature]
    embedding: Optional[Feature]


def _is_vector(shape) -> bool:
    return isinstance(shape, tuple) and (len(shape) == 2 or (
        len(shape) == 4 and shape[2:] == (1, 1)))


def candidates(run: ModelRun) -> Candidates:
    """Stages, multi-level outputs, logits and embedding of one run (see
    the module docstring for the rules)."""
    n = run.input_shape[0]
    root = 'backbone.' if 'backbone' in run.records else ''
    once = sorted((r for r in run.records.values() if r.calls == 1),
                  key=lambda r: r.order)
    stages: Dict[int, Feature] = {}
    for rec in once:
        shape = rec.tensor_shape
        if not rec.name.startswith(root) or \
                '.' in rec.name[len(root):] or rec.name == run.logits:
            continue
        if shape and len(shape) == 4 and shape[0] == n and \
                shape[2:] != (1, 1):
            stride = run.stride(shape)
            stages[stride] = Feature(rec.name, 'stage', shape, stride)
    levels = []  # the backbone's levels are its stages already
    for rec in once:
        shapes = rec.level_shapes
        if '.' not in rec.name and rec.name + '.' != root and shapes and \
                all(s[0] == n for s in shapes):
            levels.append(
                Feature(rec.name, 'levels', shapes,
                        tuple(run.stride(s) for s in shapes)))
    logits = None
    if run.logits is not None:
        logits = Feature(run.logits, 'logits',
                         run.records[run.logits].tensor_shape)
    embedding = None
    logits_in = run.records[run.logits].inputs if run.logits else None
    if logits_in and len(logits_in) == 1 and \
            isinstance(logits_in[0][1], tuple) and \
            len(logits_in[0][1]) == 2:  # a classifier's (N, D) features
        return Candidates(
            stages, levels, logits,
            Feature(run.logits, 'embedding', logits_in[0][1], data_idx=0,
                    inputs=True))
    limit = run.records[run.logits].order if run.logits else math.inf
    for rec in once:
        shape = rec.tensor_shape
        if rec.order < limit and rec.name.count('.') <= 1 and \
                _is_vector(shape) and shape[0] == n and \
                not (run.logits or '').startswith(rec.name):
            embedding = Feature(rec.name, 'embedding', shape)
    return Candidates(stages, levels, logits, embedding)


def _width(shape) -> int:
    if _is_vector(shape):
        return int(math.prod(shape[1:]))
    return shape[1]


def _connector(fix: str, s_shape, t_shape) -> Tuple[Optional[dict], str]:
    """The connector a student tensor needs for a loss with rule ``fix``,
    or None, and a note ('' when fine, else why the pair does not work)."""
    if fix == 'none' or s_shape == t_shape and fix != 'mgd':
        return None, ''
    if not (isinstance(s_shape, tuple) and isinstance(t_shape, tuple)):
        return None, 'not comparable'
    if s_shape[0] != t_shape[0]:
        return None, 'batch sizes differ'
    if fix == 'same':
        return None, f'shapes differ ({s_shape} vs {t_shape}) and no ' \
            'connector makes them equal'
    both_maps = len(s_shape) == len(t_shape) == 4
    if fix == 'mgd':
        if not both_maps or s_shape[2:] != t_shape[2:]:
            return None, 'MGD needs feature maps of the same size'
        return dict(type='MGDConnector', student_channels=s_shape[1],
                    teacher_channels=t_shape[1]), ''
    if fix == 'size':
        if both_maps and s_shape[2:] != t_shape[2:]:
            return dict(type='ResizeConnector'), ''
        return None, ''
    # fix == 'shape'; LinearEmbedConnector gives (N, D): for a 2-D teacher
    if _is_vector(s_shape) and len(t_shape) == 2 and \
            _width(s_shape) != t_shape[1]:
        return dict(type='LinearEmbedConnector', in_channels=_width(s_shape),
                    out_channels=t_shape[1]), ''
    if not both_maps:
        return None, (f'not comparable: a {len(s_shape)}-D and a '
                      f'{len(t_shape)}-D tensor')
    if s_shape[1] != t_shape[1]:
        cfg = dict(type='ConvBNConnector', in_channels=s_shape[1],
                   out_channels=t_shape[1])
        if s_shape[2:] != t_shape[2:]:
            cfg['resize'] = True
        return cfg, ''
    return dict(type='ResizeConnector'), ''


@dataclass
class Suggestion:
    student: Feature
    teacher: Feature
    connector: Optional[dict]
    note: str = ''


def _pair(rule: LossRule, s: Feature, t: Feature) -> List[Suggestion]:
    if s.kind != 'levels':
        cfg, note = _connector(rule.fix, s.shape, t.shape)
        return [Suggestion(s, t, cfg, note)]
    per_level = [
        _connector(rule.fix, a, b) for a, b in zip(s.shape, t.shape)
    ]
    if all(cfg is None and not note for cfg, note in per_level):
        return [Suggestion(s, t, None)]
    # a connector adapts one tensor: one pair per level
    return [
        Suggestion(
            Feature(s.name, 'stage', a, st, i),
            Feature(t.name, 'stage', b, tt, i), cfg, note)
        for i, ((cfg, note), a, b, st, tt) in enumerate(
            zip(per_level, s.shape, t.shape, s.stride, t.stride))
    ]


def suggest(rule: LossRule, student: Candidates,
            teacher: Candidates) -> Tuple[List[Suggestion], List[str]]:
    """Pairs for a loss rule, and notes on what could not be paired."""
    pairs, notes = [], []
    if 'stages' in rule.pair_with:
        common = sorted(set(student.stages) & set(teacher.stages))
        for stride in common:
            pairs += _pair(rule, student.stages[stride],
                           teacher.stages[stride])
    if 'levels' in rule.pair_with:
        for s in student.levels:
            matches = [t for t in teacher.levels if t.stride == s.stride]
            matches.sort(key=lambda t: t.name != s.name)
            if matches:
                pairs += _pair(rule, s, matches[0])
    wants_logits = 'logits' in rule.pair_with or (
        'dense_logits' in rule.pair_with and student.logits is not None
        and len(student.logits.shape) == 4)
    if wants_logits:
        if student.logits and teacher.logits:
            pairs += _pair(rule, student.logits, teacher.logits)
        else:
            notes.append(
                'no logits to pair: the model\'s \'tensor\'-mode output is '
                'not one tensor (detectors give several head outputs; '
                "record them with dict(type='MethodOutputs', "
                "source='bbox_head.forward') in the explicit form)")
    if 'embedding' in rule.pair_with:
        if student.embedding and teacher.embedding:
            pairs += _pair(rule, student.embedding, teacher.embedding)
        elif rule.pair_with == ('embedding', ):
            notes.append('no per-sample embedding found (a vector output '
                         'before the logits, such as avgpool)')
    if not pairs and not notes:
        notes.append('no pair found by the rules; pick layers from the '
                     'listing above')
    return pairs, notes


def resolve_loss_type(name: str):
    """The registered loss class for ``--loss`` (aliases allowed)."""
    from mmkd.models.distillers import known_loss_names
    from mmkd.registry import MODELS
    import mmkd.models  # noqa: F401  registers the losses
    cls = MODELS.get(name)
    if cls is None:
        known = known_loss_names()
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        hint = f' Did you mean {", ".join(close)}?' if close else ''
        raise KeyError(f'--loss {name!r} is not a registered loss.{hint} '
                       f'Known: {", ".join(known)}.')
    return cls


def loss_init_args(cls, pair: Suggestion) -> Dict[str, Any]:
    """Required arguments of the loss, filled with the pair's widths where
    their names say which (``inC``, ``t_dim``, ...); others are None."""
    out = {}
    for param in list(inspect.signature(cls.__init__).parameters.values())[1:]:
        if param.default is not param.empty or param.kind in (
                param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        s_shape, t_shape = pair.student.shape, pair.teacher.shape
        if param.name in _STUDENT_WIDTH_ARGS and isinstance(s_shape, tuple):
            out[param.name] = _width(s_shape)
        elif param.name in _TEACHER_WIDTH_ARGS and isinstance(
                t_shape, tuple):
            out[param.name] = _width(t_shape)
        else:
            out[param.name] = None
    return out


def format_cfg(value) -> str:
    """A config value as Python source (``dict(type='X', a=1)``)."""
    if isinstance(value, dict):
        return 'dict(' + ', '.join(f'{k}={format_cfg(v)}'
                                   for k, v in value.items()) + ')'
    if isinstance(value, list):
        return '[' + ', '.join(format_cfg(v) for v in value) + ']'
    if isinstance(value, tuple):
        return '(' + ', '.join(format_cfg(v) for v in value) + \
            (',)' if len(value) == 1 else ')')
    return repr(value)


def snippet(loss_name: str, cls, pairs: List[Suggestion]) -> str:
    """A compact-form distiller for the usable pairs."""
    pairs = [p for p in pairs if not p.note]
    losses = []
    for pair in pairs:
        losses.append(dict(type=loss_name, **loss_init_args(cls, pair)))
    lines = [
        'model = dict(', '    distiller=dict(', '        _delete_=True,',
        "        type='ConfigurableDistiller',"
    ]

    def add(key, values):
        one_line = f'        {key}={format_cfg(values)},'
        if len(one_line) <= 79:
            lines.append(one_line)
        else:
            lines.append(f'        {key}=[')
            lines.extend(f'            {format_cfg(v)},' for v in values)
            lines.append('        ],')

    add('student_distill_layer', [p.student.layer for p in pairs])
    add('teacher_distill_layer', [p.teacher.layer for p in pairs])
    if any(p.connector for p in pairs):
        add('connectors', [p.connector for p in pairs])
    add('loss', losses)
    add('weights', [1.0] * len(pairs))
    lines[-1] = lines[-1][:-1] + '))'
    if any(v is None for loss in losses for v in loss.values()):
        lines.append('# set the loss arguments given as None')
    return '\n'.join(lines)


# ------------------------------------------------------------------ output


def fmt_shape(shape) -> str:
    if isinstance(shape, tuple):
        return '(' + ', '.join(str(s) for s in shape) + ')'
    if isinstance(shape, list):
        return '[' + ', '.join(fmt_shape(s) for s in shape) + ']'
    return str(shape)


def _channels(shape) -> str:
    return str(shape[1]) if isinstance(shape, tuple) and len(shape) >= 2 \
        else ''


def marks_by_module(edges: List[LossEdge], recorders: DistillRecorders,
                    side: str) -> Dict[str, List[str]]:
    """``{module name: ['loss_x', ...]}`` for the marks in the listing."""
    marks: Dict[str, List[str]] = {}
    for (s, name), cfg in recorders.cfgs.items():
        module = _module_of(cfg)
        if s != side or module is None:
            continue
        kind = cfg.get('type', 'ModuleOutputs')
        users = [
            e.name for e in edges
            for p in (e.students if side == 'student' else e.teachers)
            if p.recorder == name
        ] or ['(no loss reads it)']
        what = '' if kind == 'ModuleOutputs' else (
            ' inputs' if kind == 'ModuleInputs' else
            f' .{cfg["source"].rsplit(".", 1)[1]}()')
        marks.setdefault(module, []).append(f'{"/".join(users)}{what}')
    return marks


def print_modules(run: ModelRun, depth: int, marks: Dict[str, List[str]],
                  suggested: Sequence[str] = (),
                  input_names: Sequence[str] = ()) -> None:
    model = run.model
    params = sum(p.numel() for p in model.parameters()) / 1e6
    print(f'\n{run.role}: {type(model).__name__} ({params:.2f} M parameters)'
          f', input {fmt_shape(run.input_shape)}, output '
          + ', '.join(fmt_shape(s) for _, s in run.output[:4]) +
          (' ...' if len(run.output) > 4 else ''))
    names = [
        n for n, _ in model.named_modules()
        if n and not n.startswith('data_preprocessor')
        and (n.count('.') < depth or n in marks or n in suggested)
    ]
    width = min(max([len(n) for n in names] + [6]) + 2, 48)
    print(f'  {"module":<{width}}{"type":<22}{"output":<28}{"C":>5}'
          f'{"stride":>7}')
    for name in names:
        rec = run.records.get(name)
        star = '*' if name in marks else ('+' if name in suggested else ' ')
        type_name = type(model.get_submodule(name)).__name__
        if rec is None:
            ran_inside = any(k.startswith(name + '.') for k in run.records)
            what = ('no hook fired (called as .forward()); its submodules '
                    'ran' if ran_inside else 'did not run')
            mark = '  <- ' + ', '.join(marks[name]) if name in marks else ''
            print(f'{star} {name:<{width}}{type_name[:21]:<22}-- {what}'
                  f'{mark}')
            continue
        extra = f'  x{rec.calls} calls' if rec.calls > 1 else ''
        if name in marks:
            extra += '  <- ' + ', '.join(marks[name])
        rows = rec.outputs
        shown = rows[:8]
        for i, (label, shape) in enumerate(shown):
            text = f'{label} {fmt_shape(shape)}'.strip()
            stride = run.stride(shape)
            head = f'{star} {name:<{width}}{type_name[:21]:<22}' if i == 0 \
                else ' ' * (width + 24)
            print(f'{head}{text:<28}{_channels(shape):>5}'
                  f'{(str(stride) if stride else ""):>7}'
                  f'{extra if i == 0 else ""}')
        if len(rows) > len(shown):
            print(' ' * (width + 24) + f'... {len(rows) - len(shown)} more')
        if name in input_names:
            print(' ' * (width + 24) + 'inputs: ' +
                  ', '.join(f'{lbl} {fmt_shape(s)}'.strip()
                            for lbl, s in rec.inputs[:4]))


def _endpoint_text(point: Endpoint) -> str:
    picks = ''
    if point.record_idx:
        picks += f' call {point.record_idx}'
    if point.data_idx is not None:
        picks += f' [{point.data_idx}]'
    source = point.source if point.recorder_type == 'ModuleOutputs' else \
        f'{point.recorder_type}({point.source!r})'
    text = f'{point.side} {source!r}{picks}' if point.recorder_type == \
        'ModuleOutputs' else f'{point.side} {source}{picks}'
    if point.problem:
        return f'{text}: PROBLEM: {point.problem}'
    text += f' {fmt_shape(point.shape)}'
    if point.connector:
        text += f' -> {point.connector} -> {fmt_shape(point.connected)}'
    return text


def print_distillation(edges: List[LossEdge], explicit: dict) -> None:
    print('\nDistilled by the config (explicit form):')
    if not edges:
        print('  no distill losses')
    for edge in edges:
        weight = '' if edge.weight is None else f', weight {edge.weight:g}'
        print(f'  {edge.name} ({edge.type_name}{weight})')
        for point in edge.students + edge.teachers:
            line = _endpoint_text(point)
            connector = explicit['connectors'].get(point.connector)
            if connector:
                line += f'  [{format_cfg(connector)}]'
            print(f'    {line}')
        for other in edge.others:
            print(f'    {other}')
        if edge.note:
            print(f'    {edge.note}')


def print_suggestions(loss: str, cls, rule: LossRule,
                      pairs: List[Suggestion], notes: List[str]) -> None:
    shown = loss if loss == cls.__name__ else f'{loss} ({cls.__name__})'
    print(f'\nSuggested pairs for {shown}: {rule.kind}')
    for pair in pairs:
        s, t = pair.student, pair.teacher
        stride = f'stride {s.stride}' if s.stride else s.kind
        if isinstance(s.stride, tuple):
            stride = 'strides ' + '/'.join(str(x) for x in s.stride)
        need = pair.note or (f'connector {format_cfg(pair.connector)}'
                             if pair.connector else 'no connector')
        print(f'  student {s.label} {fmt_shape(s.shape)}  <->  teacher '
              f'{t.label} {fmt_shape(t.shape)}  ({stride}): {need}')
    for note in notes:
        print(f'  note: {note}')
    if any(not p.note for p in pairs):
        print('\nConfig snippet (compact form; keep the pairs you want):')
        print(snippet(loss, cls, pairs))


# ------------------------------------------------------------------- graph


def _graph_boxes(run: ModelRun, extra: Sequence[str]) -> List[tuple]:
    """``(module name, label, indent)`` per box: the top-level modules that
    ran, in the order they finished, each followed by the deeper recorded
    layers inside it."""
    finished: Dict[str, int] = {}  # top-level name: when it (or, for a
    # module called as .forward(), its last child) finished
    for rec in run.records.values():
        top = rec.name.split('.')[0]
        finished[top] = max(finished.get(top, 0), rec.order)
    boxes = []
    for top in sorted(finished, key=finished.get):
        boxes.append((top, _box_label(run, top), 0))
        inner = sorted((n for n in set(extra)
                        if n.split('.')[0] == top and n != top),
                       key=lambda n: run.records[n].order
                       if n in run.records else math.inf)
        boxes += [(n, _box_label(run, n), 1) for n in inner]
    known = {b[0] for b in boxes}
    boxes += [(n, _box_label(run, n), 0) for n in extra if n not in known]
    return boxes


def _box_label(run: ModelRun, name: str) -> str:
    rec = run.records.get(name)
    if rec is None:
        module = run.model.get_submodule(name)
        return f'{name}  {type(module).__name__}\n(called as .forward())'
    levels = rec.level_shapes
    if levels:
        chans = sorted({s[1] for s in levels})
        strides = '/'.join(str(run.stride(s)) for s in levels)
        return (f'{name}  {rec.type_name}\n{len(levels)} levels, C='
                f'{"/".join(map(str, chans))}, stride {strides}')
    shape = rec.tensor_shape
    if shape is not None:
        return f'{name}  {rec.type_name}\n{fmt_shape(shape)}'
    return f'{name}  {rec.type_name}\n{len(rec.outputs)} output tensors'


def draw_graph(path: str, student: ModelRun, teacher: ModelRun,
               edges: List[LossEdge], explicit: dict,
               suggestions: List[Suggestion], loss_name: Optional[str]
               ) -> None:
    """Student and teacher stages side by side, the recorded tensors, the
    connectors and the losses with their weights."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    links = []  # (student module, connector label, loss label, teacher
    #             module, style)
    for edge in edges:
        weight = '' if edge.weight is None else f'\nweight {edge.weight:g}'
        label = f'{edge.name}\n{edge.type_name}{weight}'
        for s in edge.students or [None]:
            for t in edge.teachers or [None]:
                conn = None
                if s is not None and s.connector:
                    cfg = explicit['connectors'].get(s.connector) or {}
                    conn = f'{s.connector}\n{cfg.get("type", "?")}' + (
                        f'\n-> {fmt_shape(s.connected)}'
                        if s.connected is not None else '')
                t_text = _shape_text(t)
                if t is not None and t.connector and t_text:
                    t_text += f' via {t.connector}'
                links.append((s.module if s else None, conn, label,
                              t.module if t else None, '-',
                              _shape_text(s), t_text))
    if not edges:
        for pair in suggestions:
            if pair.note:
                continue
            conn = pair.connector and (
                pair.connector['type'] + '\n' +
                ', '.join(f'{k}={v}' for k, v in pair.connector.items()
                          if k != 'type'))
            links.append((pair.student.name, conn,
                          f'{loss_name}\n(suggested)', pair.teacher.name,
                          '--', pair.student.label, pair.teacher.label))

    s_boxes = _graph_boxes(student, [lk[0] for lk in links if lk[0]])
    t_boxes = _graph_boxes(teacher, [lk[3] for lk in links if lk[3]])
    rows = max(len(s_boxes), len(t_boxes), len(links), 1)
    fig_h = 1.4 + 0.62 * rows
    fig, ax = plt.subplots(figsize=(13, fig_h))
    ax.set_xlim(0, 1)
    ax.set_ylim(rows + 0.2, -1.0)
    ax.axis('off')
    s_x, t_x, c_x, l_x, box_w = 0.02, 0.74, 0.30, 0.50, 0.24
    recorded_s = {lk[0] for lk in links}
    recorded_t = {lk[3] for lk in links}

    def place(boxes, x, recorded, title):
        ax.text(x + box_w / 2, -0.6, title, ha='center', va='center',
                fontsize=11, weight='bold')
        pos = {}
        for i, (name, label, indent) in enumerate(boxes):
            y = i * rows / max(len(boxes), 1) + 0.1
            bx = x + 0.02 * indent
            color = '#f6c177' if name in recorded else '#dfe7f2'
            ax.add_patch(FancyBboxPatch(
                (bx, y), box_w - 0.02 * indent, 0.7,
                boxstyle='round,pad=0.005', fc=color, ec='#555555', lw=0.8))
            ax.text(bx + 0.008, y + 0.35, label, va='center', fontsize=7,
                    family='monospace')
            pos[name] = (bx, y + 0.35, box_w - 0.02 * indent)
        return pos

    s_pos = place(s_boxes, s_x, recorded_s,
                  f'student: {type(student.model).__name__}')
    t_pos = place(t_boxes, t_x, recorded_t,
                  f'teacher: {type(teacher.model).__name__}')
    ax.text(l_x + 0.06, -0.6, 'connectors and losses', ha='center',
            va='center', fontsize=11, weight='bold')

    def arrow(start, end, style, text=None):
        ax.annotate('', xy=end, xytext=start, arrowprops=dict(
            arrowstyle='->', lw=0.9, ls=style, color='#444444'))
        if text:  # the recorded shape, next to the box it leaves
            left = start[0] < end[0]
            ax.text(start[0] + (0.005 if left else -0.005), start[1] - 0.1,
                    text, fontsize=6, ha='left' if left else 'right',
                    color='#333333')

    # losses: near their inputs, at least one row apart
    wanted = []
    for lk in links:
        ys = [p[1] for p in (s_pos.get(lk[0]), t_pos.get(lk[3])) if p]
        wanted.append(sum(ys) / len(ys) if ys else 0.5)
    order = sorted(range(len(links)), key=lambda i: wanted[i])
    placed, last = {}, -math.inf
    for i in order:
        y = max(wanted[i], last + 0.85, 0.45)
        placed[i] = last = y
    ax.set_ylim(max([rows + 0.2] + [y + 0.6 for y in placed.values()]), -1.0)
    for i, lk in enumerate(links):
        s_mod, conn, label, t_mod, style, s_text, t_text = lk
        y = placed[i]
        ax.add_patch(FancyBboxPatch((l_x, y - 0.3), 0.16, 0.6,
                                    boxstyle='round,pad=0.005', fc='#e8d5f2',
                                    ec='#555555', lw=0.8))
        ax.text(l_x + 0.08, y, label, ha='center', va='center', fontsize=7)
        target = (l_x, y)
        if conn:
            ax.add_patch(FancyBboxPatch((c_x, y - 0.3), 0.14, 0.6,
                                        boxstyle='round,pad=0.005',
                                        fc='#cfe8cf', ec='#555555', lw=0.8))
            ax.text(c_x + 0.07, y, conn, ha='center', va='center',
                    fontsize=6.5)
            arrow((c_x + 0.14, y), target, style)
            target = (c_x, y)
        if s_mod in s_pos:
            bx, by, bw = s_pos[s_mod]
            arrow((bx + bw, by), target, style, s_text)
        if t_mod in t_pos:
            bx, by, _ = t_pos[t_mod]
            arrow((bx, by), (l_x + 0.16, y), style, t_text)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _shape_text(point: Optional[Endpoint]) -> Optional[str]:
    if point is None or point.problem:
        return None
    if isinstance(point.shape, list):
        return f'{_count_tensors(point.shape)} tensors'
    return fmt_shape(point.shape)


def _count_tensors(shape) -> int:
    if isinstance(shape, list):
        return sum(_count_tensors(s) for s in shape)
    return int(isinstance(shape, tuple))


# -------------------------------------------------------------------- main


def main(argv=None):
    args = parse_args(argv)
    cfg, has_distiller = load_distill_config(args)
    loss_cls = resolve_loss_type(args.loss) if args.loss else None

    import torch
    torch.manual_seed(0)
    from mmkd.utils import install_safe_checkpoint_loader
    install_safe_checkpoint_loader()
    explicit = explicit_form(cfg.model.get('distiller') if has_distiller
                             else None)
    student, teacher, preprocessor = build_models(cfg)
    inputs, samples, source = make_batch(cfg, student, preprocessor, args)
    print(f'config: {args.config or f"{args.student} + {args.teacher}"}')
    print(f'batch: {source}, inputs {fmt_shape(tuple(inputs.shape))}')

    recorders = DistillRecorders(explicit, student, teacher)
    try:
        runs = {}
        for side, model in (('student', student), ('teacher', teacher)):
            with recorders.recording(side):
                runs[side] = run_model(model, side, inputs, samples)
        edges = loss_edges(explicit, recorders)
    finally:
        recorders.teardown()

    pairs, notes, rule = [], [], None
    if loss_cls is not None:
        rule = LOSS_RULES.get(loss_cls.__name__, _DEFAULT_RULE)
        pairs, notes = suggest(rule, candidates(runs['student']),
                               candidates(runs['teacher']))
    for side in ('student', 'teacher'):
        suggested = [getattr(p, side).name for p in pairs]
        print_modules(runs[side], args.depth,
                      marks_by_module(edges, recorders, side), suggested,
                      recorders.module_names(side, 'ModuleInputs'))
    legend = (['* distilled by the config'] if has_distiller else []) + (
        [f'+ suggested for --loss {args.loss}'] if pairs else [])
    if legend:
        print('\n' + ', '.join(legend))
    if recorders.problems:
        print('\nProblems with the distilled layers:')
        for (side, name), problem in recorders.problems.items():
            print(f'  {side} recorder {name!r}: {problem}')
    if has_distiller:
        print_distillation(edges, explicit)
    if loss_cls is not None:
        print_suggestions(args.loss, loss_cls, rule, pairs, notes)
    if args.out_graph:
        draw_graph(args.out_graph, runs['student'], runs['teacher'], edges,
                   explicit, pairs, args.loss)
        print(f'\ngraph written to {args.out_graph}')


if __name__ == '__main__':
    run_cli(main, TOOL)
