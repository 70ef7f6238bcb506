from .compact import compact_to_explicit
from .configurable_distiller import ConfigurableDistiller
from .distill_step import distill_step
from .explicit import explicit_form
from .loss_signature import known_loss_names

__all__ = [
    'ConfigurableDistiller', 'compact_to_explicit', 'distill_step',
    'explicit_form', 'known_loss_names'
]
