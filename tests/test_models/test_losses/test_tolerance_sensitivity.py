"""The reference comparisons of the loss tests still catch real errors.

The tolerances of :func:`numeric.assert_close` are scaled to the magnitude
of each compared tensor so that float32 rounding passes on any CPU. Here,
for a sample of losses, one hyper-parameter or one term of the loss is
scaled by 1.01 (the kind of error a wrong factor or a dropped term makes)
while the float64 reference stays as it was: the same checks as the loss
tests must then fail for the loss value and for the gradients that the
perturbed part reaches, and pass without the perturbation.
"""
import inspect
import itertools

import pytest
from numeric import assert_checks, assert_close
from test_at import at_checks
from test_cc import cc_checks
from test_dkd import dkd_checks
from test_fbkd import fbkd_checks
from test_fsp import fsp_checks
from test_ickd import ickd_checks
from test_nst import nst_checks
from test_ofd import ofd_checks
from test_reviewkd import reviewkd_checks
from test_rkd import rkd_checks
from test_sp import sp_checks
from test_wsld import wsld_checks

import mmkd.models.losses.dkd as dkd_module
import mmkd.models.losses.ickd as ickd_module
import mmkd.models.losses.reviewkd as reviewkd_module
import mmkd.models.losses.rkd as rkd_module
from mmkd.models.losses import (ATLoss, CCLoss, DKDLoss, FBKDLoss, FSPLoss,
                                NSTLoss, OFDLoss, RKDLoss, SPLoss, WSLDLoss)

FACTOR = 1.01


def scale_init_arg(monkeypatch, cls, arg):
    """Build ``cls`` with its constructor argument ``arg`` (given or
    default) scaled by FACTOR."""
    init = cls.__init__
    signature = inspect.signature(init)

    def perturbed(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        bound.arguments[arg] *= FACTOR
        init(*bound.args, **bound.kwargs)

    monkeypatch.setattr(cls, '__init__', perturbed)


def scale_output(monkeypatch, owner, name, call=0):
    """Scale by FACTOR the result of the ``call``-th call (from 0) of the
    function, method or static method ``owner.name``."""
    raw = inspect.getattr_static(owner, name)
    static = isinstance(raw, staticmethod)
    func = raw.__func__ if static else raw
    calls = itertools.count()

    def perturbed(*args, **kwargs):
        out = func(*args, **kwargs)
        return out * FACTOR if next(calls) == call else out

    monkeypatch.setattr(owner, name,
                        staticmethod(perturbed) if static else perturbed)


def scale_buffer_in_forward(monkeypatch, cls, buffer):
    """Run ``cls.forward`` with the buffer ``buffer`` scaled by FACTOR
    (restored afterwards, so the reference sees the original)."""
    forward = cls.forward

    def perturbed(self, *args, **kwargs):
        original = getattr(self, buffer)
        setattr(self, buffer, original * FACTOR)
        try:
            return forward(self, *args, **kwargs)
        finally:
            setattr(self, buffer, original)

    monkeypatch.setattr(cls, 'forward', perturbed)


def init_arg(cls, arg):
    return lambda mp: scale_init_arg(mp, cls, arg)


def output(owner, name, call=0):
    return lambda mp: scale_output(mp, owner, name, call)


NONLOCAL = {
    'student_nonlocal.theta.weight', 'student_nonlocal.out.0.weight',
    'teacher_nonlocal.g.weight', 'teacher_nonlocal.out.1.bias',
    'nonlocal_adapt.weight', 'nonlocal_adapt.bias'
}

# id: (the checks of a loss test, the perturbation, the checks that must
# fail under it: the loss value and the gradients the perturbed part reaches)
CASES = {
    'fbkd-tau': (lambda: fbkd_checks(True), init_arg(FBKDLoss, 'tau'),
                 {'loss', 'student', 'feat_adapt.weight', 'feat_adapt.bias'}),
    'fbkd-nonlocal_weight': (lambda: fbkd_checks(False),
                             init_arg(FBKDLoss, 'nonlocal_weight'),
                             {'loss', 'student'} | NONLOCAL),
    'fbkd-attention_weight':
    (lambda: fbkd_checks(True), init_arg(FBKDLoss, 'attention_weight'),
     {'loss', 'student', 'channel_adapt.weight', 'spatial_adapt.weight'}),
    'reviewkd-hcl-of-stage-0':
    (reviewkd_checks,
     output(reviewkd_module, 'hierarchical_context_loss', call=0), {
         'loss', 'student.0', 'fusions.0.project.0.weight',
         'fusions.0.project.1.bias'
     }),
    'dkd-beta': (lambda: dkd_checks(1.0, 8.0, 4.0), init_arg(DKDLoss, 'beta'),
                 {'loss', 'student'}),
    'dkd-tau': (lambda: dkd_checks(0.5, 2.0, 1.0), init_arg(DKDLoss, 'tau'),
                {'loss', 'student'}),
    'dkd-tckd-term': (lambda: dkd_checks(1.0, 8.0, 4.0),
                      output(dkd_module, '_kl_rows',
                             call=0), {'loss', 'student'}),
    'cc-gamma':
    (cc_checks, init_arg(CCLoss, 'gamma'),
     {'loss', 'student', 'embed_s.linear.weight', 'embed_t.linear.weight'}),
    'rkd-angle_weight': (lambda: rkd_checks(
        (25.0, 50.0)), init_arg(RKDLoss, 'angle_weight'), {'loss', 'student'}),
    'rkd-student-distances': (lambda: rkd_checks(
        (1.0, 0.0)), output(rkd_module,
                            'normalized_distances'), {'loss', 'student'}),
    'ickd-student-correlation':
    (ickd_checks, output(ickd_module, 'inter_channel_correlation'),
     {'loss', 'student', 'layers.0.weight', 'layers.1.weight'}),
    'ofd-margin':
    (ofd_checks, lambda mp: scale_buffer_in_forward(mp, OFDLoss, 'margin'),
     {'loss', 'student'}),
    'wsld-tau': (lambda: wsld_checks(2.0), init_arg(WSLDLoss, 'tau'),
                 {'loss', 'student'}),
    'fsp-student-matrix-of-pair-1':
    (fsp_checks, output(FSPLoss, 'fsp_matrix',
                        call=2), {'loss', 'student.1', 'student.2'}),
    'at-p': (at_checks, init_arg(ATLoss, 'p'), {'loss', 'student'}),
    'nst-cross-term': (nst_checks, output(NSTLoss, 'kernel_mean',
                                          call=2), {'loss', 'student'}),
    'sp-student-similarity': (sp_checks, output(SPLoss, 'similarity'),
                              {'loss', 'student'}),
}


@pytest.mark.parametrize('case', list(CASES))
def test_a_one_percent_error_fails_the_reference_checks(case, monkeypatch):
    make_checks, perturb, must_fail = CASES[case]
    assert_checks(make_checks())  # unperturbed: every check passes

    perturb(monkeypatch)
    checks = {check.name: check for check in make_checks()}
    assert must_fail <= set(checks), sorted(must_fail - set(checks))
    for name in sorted(must_fail):
        check = checks[name]
        with pytest.raises(AssertionError, match='exceeds the tolerance'):
            assert_close(
                check.actual, check.expected, rtol=check.rtol, name=check.name)
