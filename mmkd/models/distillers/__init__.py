from .configurable_distiller import (ConfigurableDistiller,
                                     compact_to_explicit, known_loss_names)

__all__ = ['ConfigurableDistiller', 'compact_to_explicit', 'known_loss_names']
