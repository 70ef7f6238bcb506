"""A ``ConfigurableDistiller`` config in either form, as the explicit
form."""
from typing import Optional

from .compact import compact_to_explicit

COMPACT_KEYS = ('student_distill_layer', 'teacher_distill_layer', 'loss',
                'weights', 'student_channels', 'teacher_channels')
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
                'teacher_distill_layer, loss, weights, student_channels, '
                'teacher_channels) or the explicit form (student_recorders, '
                'teacher_recorders, distill_losses, loss_forward_mappings), '
                f'not both (got {sorted(compact)} and {mixed}).')
        connectors = distiller.get('connectors')
        template = isinstance(connectors, dict) and 'type' in connectors
        if connectors is not None and not template and not isinstance(
                connectors, (list, tuple)):
            raise TypeError('In the compact form, connectors is a list with '
                            'one entry (or None) per student layer, or one '
                            'connector config for every student layer.')
        return compact_to_explicit(
            distiller.get('student_distill_layer') or [],
            distiller.get('teacher_distill_layer') or [],
            distiller.get('loss') or [], distiller.get('weights'), connectors,
            distiller.get('student_channels'),
            distiller.get('teacher_channels'))
    return dict(
        student_recorders=dict(distiller.get('student_recorders') or {}),
        teacher_recorders=dict(distiller.get('teacher_recorders') or {}),
        connectors=dict(distiller.get('connectors') or {}),
        distill_losses=dict(distiller.get('distill_losses') or {}),
        loss_forward_mappings=dict(
            distiller.get('loss_forward_mappings') or {}))
