"""How ``--loss`` pairs layers: one rule per kind of loss."""
from dataclasses import dataclass
from typing import Dict, Tuple


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
_FEATURES = LossRule('features of the same shape (a connector adapts them)',
                     ('stages', 'levels', 'embedding'), 'shape')
_ATTENTION = LossRule(
    'feature maps of the same size; channel counts may differ',
    ('stages', 'levels'), 'size')
_RELATION = LossRule('per-sample features of any shape (batch relations)',
                     ('stages', 'embedding'), 'none')
_EMBEDDING = LossRule('per-sample embeddings of any size', ('embedding', ),
                      'none')

LOSS_RULES: Dict[str, LossRule] = {
    'KDLoss':
    _LOGITS,
    'DKDLoss':
    _LOGITS,
    'DISTLoss':
    _LOGITS,
    'WSLDLoss':
    _LOGITS,
    'LogitStandardKDLoss':
    _LOGITS,
    'PixelWiseKDLoss':
    LossRule('segmentation logits with logits; class counts must match',
             ('dense_logits', ), 'size'),
    'ChannelWiseDivergence':
    _MAPS,
    'PKDLoss':
    LossRule(_MAPS.kind, ('levels', 'stages'), 'shape'),
    'ABLoss':
    LossRule(_MAPS.kind, ('stages', ), 'shape'),
    'OFDLoss':
    LossRule(_MAPS.kind, ('stages', ), 'shape'),
    'FBKDLoss':
    LossRule(_MAPS.kind, ('stages', 'levels'), 'shape'),
    'ICKDLoss':
    LossRule(_MAPS.kind, ('stages', 'levels'), 'shape'),
    'MGDLoss':
    LossRule('feature maps of the same size, through MGDConnector',
             ('levels', 'stages'), 'mgd'),
    'L2Loss':
    _FEATURES,
    'L1Loss':
    _FEATURES,
    'ATLoss':
    _ATTENTION,
    'NSTLoss':
    _ATTENTION,
    'VIDLoss':
    LossRule(
        'feature maps of the same size; the loss maps the channels '
        '(in_channels, mid_channels, out_channels)', ('stages', ), 'size'),
    'SPLoss':
    _RELATION,
    'RKDLoss':
    _EMBEDDING,
    'PKTLoss':
    _EMBEDDING,
    'CCLoss':
    _EMBEDDING,
    'CRDLoss':
    _EMBEDDING,
}
_DEFAULT_RULE = LossRule(
    'no rule for this loss: feature pairs by the FitNet rule are shown',
    ('stages', 'levels', 'logits'), 'shape')

# required loss arguments the suggestion fills in: student or teacher width
# (in_channels is the student's where the loss also takes out_channels, a
# student -> teacher mapping such as VID's; alone, it is the teacher's); the
# deprecated spellings (inC, midC, outC) of losses not yet renamed too
_STUDENT_WIDTH_ARGS = ('inC', 's_dim', 'student_channels')
_TEACHER_WIDTH_ARGS = ('outC', 'midC', 't_dim', 'teacher_channels',
                       'out_channels', 'mid_channels', 'channels')
