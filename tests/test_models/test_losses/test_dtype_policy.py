"""The dtype policy of every loss: half-precision inputs are computed in
float32, float64 inputs stay float64 (never downcast), whatever the loss
family (logits, feature maps, relations, learned parts, detection heads)."""
import pytest
import torch
import torch.nn as nn
from test_contract import LOSS_CLASSES

import mmkd.models.losses as losses


def maps(*shape):
    return torch.randn(2, *shape), torch.randn(2, *shape)


def ofd_loss():
    teacher = nn.Module()
    teacher.bn = nn.BatchNorm2d(3)
    loss = losses.OFDLoss(teacher_bn='bn')
    loss.init_from_models(None, teacher)
    return loss


def yolo_levels(nc):
    return [torch.randn(2, 3, 4, 4, 5 + nc), torch.randn(2, 3, 2, 2, 5 + nc)]


def yolox_outputs():
    return tuple([torch.randn(2, c, 4, 4),
                  torch.randn(2, c, 2, 2)] for c in (3, 4, 1))


def irg_inputs():
    return [
        torch.randn(3, 4, 8, 8),
        torch.randn(3, 8, 4, 4),
        torch.randn(3, 5)
    ]


# class: (build the loss, (student, teacher), extra forward arguments)
CASES = {
    losses.ABLoss: (losses.ABLoss, maps(3, 4, 4), {}),
    losses.ATLoss: (losses.ATLoss, maps(3, 4, 4), {}),
    losses.CachedKDLoss:
    (losses.CachedKDLoss, (torch.randn(2, 5), torch.randn(2, 3)),
     dict(
         teacher_classes=torch.tensor([[0, 1, 2], [4, 3, 2]]),
         teacher_tail_mass=torch.tensor([0.1, 0.2]),
         teacher_tau=[4.0, 4.0])),
    losses.CCLoss: (losses.CCLoss, maps(6), {}),
    losses.CRDLoss: (lambda: losses.CRDLoss(
        in_channels=6, out_channels=6, n_data=10, feat_dim=4, nce_k=3),
                     maps(6), dict(indices=[1, 2])),
    losses.ChannelWiseDivergence: (losses.ChannelWiseDivergence, maps(3, 4,
                                                                      4), {}),
    losses.DeiTLoss: (losses.DeiTLoss, maps(5), {}),
    losses.DISTLoss: (losses.DISTLoss, maps(5), {}),
    losses.DKDLoss: (losses.DKDLoss, maps(5), dict(gt_labels=[0, 3])),
    losses.EnsembleKDLoss:
    (losses.EnsembleKDLoss, (torch.randn(2, 5),
                             [torch.randn(2, 5),
                              torch.randn(2, 5)]), {}),
    losses.FBKDLoss: (lambda: losses.FBKDLoss(4), maps(4, 4, 4), {}),
    losses.FSPLoss:
    (losses.FSPLoss, ([torch.randn(2, 3, 4, 4),
                       torch.randn(2, 5, 2, 2)],
                      [torch.randn(2, 3, 4, 4),
                       torch.randn(2, 5, 2, 2)]), {}),
    losses.FTLoss: (lambda: losses.FTLoss(in_channels=4),
                    (torch.randn(2, 2, 4, 4), torch.randn(2, 4, 4, 4)), {}),
    losses.ICKDLoss: (losses.ICKDLoss, maps(3, 4, 4), {}),
    losses.IRGLoss: (losses.IRGLoss, (irg_inputs(), irg_inputs()), {}),
    losses.KDLoss: (losses.KDLoss, maps(5), {}),
    losses.KLDiscrepancy: (losses.KLDiscrepancy, maps(5), {}),
    losses.L1Discrepancy: (losses.L1Discrepancy, maps(5), {}),
    losses.L1Loss: (losses.L1Loss, maps(3, 4, 4), {}),
    losses.L2Loss: (losses.L2Loss, maps(3, 4, 4), {}),
    losses.LogitStandardKDLoss: (losses.LogitStandardKDLoss, maps(5), {}),
    losses.MGDLoss: (losses.MGDLoss, maps(3, 4, 4), {}),
    losses.NSTLoss: (losses.NSTLoss, maps(3, 4, 4), {}),
    losses.OFDLoss: (ofd_loss, maps(3, 4, 4), {}),
    losses.PixelWiseKDLoss: (losses.PixelWiseKDLoss, maps(3, 4, 4), {}),
    losses.PKDLoss: (losses.PKDLoss, maps(3, 4, 4), {}),
    losses.PKTLoss: (losses.PKTLoss, maps(6), {}),
    losses.RKDLoss: (losses.RKDLoss, (torch.randn(4, 6), torch.randn(4,
                                                                     5)), {}),
    losses.ReviewKDLoss: (lambda: losses.ReviewKDLoss([3, 4], [3, 4]),
                          ([torch.randn(2, 3, 8, 8),
                            torch.randn(2, 4, 4, 4)],
                           [torch.randn(2, 3, 8, 8),
                            torch.randn(2, 4, 4, 4)]), {}),
    losses.SPLoss: (losses.SPLoss, maps(3, 4, 4), {}),
    losses.VIDLoss:
    (lambda: losses.VIDLoss(in_channels=3, mid_channels=4, out_channels=3),
     maps(3, 4, 4), {}),
    losses.WSLDLoss: (losses.WSLDLoss, maps(5), dict(gt_labels=[0, 3])),
    losses.YoloKDLoss: (lambda: losses.YoloKDLoss(nc=2), (yolo_levels(2),
                                                          yolo_levels(2)), {}),
    losses.YOLOXKDLoss: (losses.YOLOXKDLoss, (yolox_outputs(),
                                              yolox_outputs()), {}),
}


def cast(inputs, dtype):
    if isinstance(inputs, torch.Tensor):
        return inputs.to(dtype)
    return type(inputs)(cast(x, dtype) for x in inputs)


def test_every_registered_loss_has_a_case():
    assert set(LOSS_CLASSES) == set(CASES)


@pytest.mark.parametrize('cls', LOSS_CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize('dtype, expected', [
    (torch.float64, torch.float64),
    (torch.float32, torch.float32),
    (torch.float16, torch.float32),
    (torch.bfloat16, torch.float32),
])
def test_computes_in_upcast_dtype(cls, dtype, expected):
    build, (student, teacher), extra = CASES[cls]
    torch.manual_seed(0)
    loss_fn = build()
    if dtype == torch.float64:
        loss_fn.double()  # learned parts in float64 too
    loss = loss_fn(cast(student, dtype), cast(teacher, dtype), **extra)
    assert loss.dtype == expected and loss.dim() == 0
    assert torch.isfinite(loss)


@pytest.mark.parametrize(
    'cls', [
        c for c in LOSS_CLASSES
        if next(CASES[c][0]().parameters(), None) is not None
    ],
    ids=lambda c: c.__name__)
def test_learned_losses_refuse_to_round_float64_inputs(cls):
    build, (student, teacher), extra = CASES[cls]
    with pytest.raises(
            TypeError,
            match=rf'{cls.__name__}: got '
            r'torch.float64 inputs but its parameters are '
            r'torch.float32.*\.double\(\)'):
        build()(cast(student, torch.float64), cast(teacher, torch.float64),
                **extra)


def test_upcast_all_takes_the_widest():
    from mmkd.models.losses.base import upcast_all
    half, double = torch.ones(1).half(), torch.ones(1).double()
    assert [t.dtype for t in upcast_all(half, double)] == [torch.float64] * 2
    assert [t.dtype
            for t in upcast_all(half, half.bfloat16())] == [torch.float32] * 2
