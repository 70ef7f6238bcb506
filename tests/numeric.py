"""Comparing a float32 result with a (usually float64) reference.

A float32 value or gradient differs from an exact reference by rounding
errors whose size follows the magnitudes summed into it, not the element
compared: an element of 1e-3 in a gradient whose largest element is 2.4
can be off by ~1e-7 on one CPU (the order of a kernel's accumulation
depends on its instruction set and thread count) and by ~3e-7 on the next.
A fixed ``atol=1e-7`` with an element-wise ``rtol`` only holds on the
machine it was tuned on. Here the absolute tolerance is scaled to the
compared tensor: ``atol = rtol * max|expected|``; the default ``rtol`` of
1e-4 is ~1000 float32 epsilons of the largest element, far above rounding
and far below a wrong factor or a missing term (a 1% change fails it, see
tests/test_models/test_losses/test_tolerance_sensitivity.py).

Where results must be equal (resume, DDP, determinism), compare like with
like with ``torch.equal`` instead.
"""
import contextlib
from typing import NamedTuple

import numpy as np
import torch

# the tolerance of an all-zero reference (no magnitude to scale to)
ZERO_ATOL = 1e-12


def _as_double(x) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().double()
    return torch.as_tensor(np.asarray(x, dtype=np.float64))


def mismatch(actual, expected, *, rtol: float = 1e-4, name: str = ''):
    """The failure message of :func:`assert_close`, or None if it passes."""
    label = f'{name}: ' if name else ''
    a, e = _as_double(actual), _as_double(expected)
    if a.shape != e.shape:
        return (f'{label}shape {tuple(a.shape)} differs from the reference '
                f'shape {tuple(e.shape)}')
    if not (torch.isfinite(a).all() and torch.isfinite(e).all()):
        return f'{label}non-finite values (actual {a}, expected {e})'
    if a.numel() == 0:
        return None
    scale = e.abs().max().item()
    atol = rtol * scale if scale > 0 else ZERO_ATOL
    err = (a - e).abs()
    worst = int(err.argmax())
    max_err = err.flatten()[worst].item()
    if max_err <= atol:
        return None
    index = tuple(int(i) for i in np.unravel_index(worst, tuple(e.shape)))
    return (f'{label}max abs error {max_err:.3g} at index {index} (actual '
            f'{a.flatten()[worst].item():.9g}, expected '
            f'{e.flatten()[worst].item():.9g}) exceeds the tolerance '
            f'{atol:.3g} = rtol {rtol:g} x max|expected| {scale:.3g}')


def assert_close(actual, expected, *, rtol: float = 1e-4, name: str = ''):
    """Assert that ``actual`` matches ``expected`` to ``rtol`` of the
    reference's largest magnitude.

    Both are cast to float64 (tensors, numpy arrays or Python numbers); the
    check is ``max|actual - expected| <= rtol * max|expected|`` over all
    elements (1e-12 for an all-zero reference), and non-finite values fail.
    The message names ``name``, the largest error, the tolerance used and
    the index of the worst element.
    """
    message = mismatch(actual, expected, rtol=rtol, name=name)
    if message is not None:
        raise AssertionError(message)


class Check(NamedTuple):
    """One comparison of a float32 result with its reference."""
    name: str
    actual: object
    expected: object
    rtol: float = 1e-4


def assert_checks(checks):
    """:func:`assert_close` on every :class:`Check`, reporting all
    failures at once."""
    failures = [
        m for m in (mismatch(c.actual, c.expected, rtol=c.rtol, name=c.name)
                    for c in checks) if m is not None
    ]
    if failures:
        raise AssertionError('\n'.join(failures))


@contextlib.contextmanager
def float64():
    """Build and run models in float64 inside this block.

    An equivalence test whose two sides add the same numbers in another
    order (two processes against one, micro-batches against the whole batch,
    another memory layout) cannot be bit for bit, and in float32 the
    difference depends on the CPU's kernels: Adam turns a last-bit gradient
    difference into a weight difference of ~1e-4 relative. In float64 the
    same reordering stays ~1e-13 relative, so a tolerance of
    :data:`REORDERED_RTOL` holds on any CPU while a real error (a gradient
    not averaged, a record from the wrong batch) is many orders larger.
    Parameters, buffers and inputs made with the default dtype follow it;
    float32 checkpoints load into float64 parameters.
    """
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield
    finally:
        torch.set_default_dtype(previous)


# the tolerance (relative to the largest magnitude compared) of float64
# results whose sums ran in another order
REORDERED_RTOL = 1e-9


def assert_reordered_close(actual, expected, *, name: str = ''):
    """Float64 results of the same arithmetic in another order: both must
    be float64 tensors, and agree to :data:`REORDERED_RTOL` of the
    reference's largest magnitude."""
    for side, value in (('actual', actual), ('expected', expected)):
        if value.dtype != torch.float64:
            raise AssertionError(
                f'{name}: the {side} value is {value.dtype}; results whose '
                'sums ran in another order are compared in float64 (build '
                'and run them inside numeric.float64())')
    assert_close(actual, expected, rtol=REORDERED_RTOL, name=name)


def assert_same_bits(actual, expected, *, name: str = ''):
    """Results of the same arithmetic: equal bit for bit (dtype, shape and
    every value), with the largest difference in the message."""
    if (actual.dtype != expected.dtype or actual.shape != expected.shape
            or not torch.equal(actual, expected)):
        detail = ''
        if actual.shape == expected.shape and actual.numel():
            diff = (actual.double() - expected.double()).abs().max().item()
            detail = f', max abs difference {diff:.3g}'
        raise AssertionError(
            f'{name}: not bit for bit ({actual.dtype}{tuple(actual.shape)} '
            f'vs {expected.dtype}{tuple(expected.shape)}{detail})')
