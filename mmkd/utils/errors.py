"""The error types that mmkd's tools report as short set-up errors (one
message, no traceback), in one leaf module that every layer may import."""


class CheckpointError(RuntimeError):
    """A checkpoint that cannot be used as asked (damaged, not matching the
    model, not writable)."""


class NonFiniteLossError(FloatingPointError):
    """A loss became NaN or infinite during training."""


class RecipeMismatchError(ValueError):
    """The run would train another recipe than the one its config declares
    (the setting behind the config's published numbers)."""
