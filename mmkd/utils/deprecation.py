"""Old argument names kept working, with a warning that names the new one."""
import functools
import warnings
from typing import Callable, TypeVar

F = TypeVar('F', bound=Callable)


def renamed_args(**renames: str) -> Callable[[F], F]:
    """Accept deprecated keyword names of a function (or ``__init__``).

    Each ``old='new'`` pair moves a keyword argument ``old`` to ``new`` and
    warns with a ``DeprecationWarning`` naming both; giving both is an
    error. The signature seen by ``inspect.signature`` is the new one.

    Args:
        **renames (str): ``old name='new name'``.

    Returns:
        Callable: A decorator.
    """

    def decorator(func: F) -> F:
        owner = func.__qualname__.split('.')[0] if func.__name__ == \
            '__init__' else func.__qualname__

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            for old, new in renames.items():
                if old not in kwargs:
                    continue
                if new in kwargs:
                    raise TypeError(f'{owner}: got both {old!r} and {new!r}; '
                                    f'{old!r} is the deprecated name of '
                                    f'{new!r}, give only {new!r}.')
                warnings.warn(
                    f'{owner}: {old!r} is deprecated, use {new!r}.',
                    DeprecationWarning,
                    stacklevel=2)
                kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        wrapper.renamed_args = dict(renames)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator
