"""A ``ConfigurableDistiller`` config in either form, as the explicit
form."""
from typing import Optional

from .channels import from_layer_pairs
from .compact import compact_to_explicit

LAYER_KEYS = ('student_distill_layer', 'teacher_distill_layer',
              'student_channels', 'teacher_channels')
COMPACT_KEYS = LAYER_KEYS + ('layer_pairs', 'loss', 'weights')
EXPLICIT_KEYS = ('student_recorders', 'teacher_recorders', 'distill_losses',
                 'loss_forward_mappings')


def explicit_form(distiller: Optional[dict]) -> dict:
    """The explicit form of a ``ConfigurableDistiller`` config in either
    form (the compact one through :func:`compact_to_explicit`); only the
    wiring keys, not ``type`` or ``init_cfg``.

    Raises:
        ValueError: The config mixes the two forms.
    """
    distiller = dict(distiller or {})
    compact = {
        k: distiller[k]
        for k in COMPACT_KEYS if distiller.get(k) is not None
    }
    if compact:
        mixed = [k for k in EXPLICIT_KEYS if distiller.get(k) is not None]
        if mixed:
            raise ValueError(
                'Use either the compact form (student_distill_layer, '
                'teacher_distill_layer, student_channels, teacher_channels '
                'or layer_pairs; loss, weights) or the explicit form '
                '(student_recorders, teacher_recorders, distill_losses, '
                'loss_forward_mappings), not both (got '
                f'{sorted(compact)} and {mixed}).')
        layers = {k: distiller.get(k) for k in LAYER_KEYS}
        from_pairs = 'layer_pairs' in compact
        if from_pairs:
            given = [k for k, v in layers.items() if v is not None]
            if given:
                raise ValueError(f'layer_pairs gives the layers and their '
                                 f'channels; {given} too is one too many.')
            layers = from_layer_pairs(compact['layer_pairs'])
        connectors = distiller.get('connectors')
        template = isinstance(connectors, dict) and 'type' in connectors
        if connectors is not None and not template and not isinstance(
                connectors, (list, tuple)):
            raise TypeError('In the compact form, connectors is a list with '
                            'one entry (or None) per student layer, or one '
                            'connector config for every student layer.')
        return compact_to_explicit(
            layers['student_distill_layer'] or [],
            layers['teacher_distill_layer'] or [],
            distiller.get('loss') or [],
            distiller.get('weights'),
            connectors,
            layers['student_channels'],
            layers['teacher_channels'],
            require_channel_use=not from_pairs)
    return dict(
        student_recorders=dict(distiller.get('student_recorders') or {}),
        teacher_recorders=dict(distiller.get('teacher_recorders') or {}),
        connectors=dict(distiller.get('connectors') or {}),
        distill_losses=dict(distiller.get('distill_losses') or {}),
        loss_forward_mappings=dict(
            distiller.get('loss_forward_mappings') or {}))
