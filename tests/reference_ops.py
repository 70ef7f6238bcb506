"""Plain-tensor building blocks for the independent reference
implementations in the loss tests (double precision, no nn modules)."""
import torch


def leaf_params(module):
    """Double-precision copies of a module's parameters, as autograd
    leaves, by name."""
    return {
        name: p.detach().double().clone().requires_grad_()
        for name, p in module.named_parameters()
    }


def conv1x1(x, weight, bias=None):
    """A 1x1 convolution as a channel contraction."""
    out = torch.einsum('nchw,oc->nohw', x, weight[:, :, 0, 0])
    return out if bias is None else out + bias[None, :, None, None]


def batch_norm(x, weight, bias, eps=1e-5):
    """Training-mode BatchNorm2d: batch statistics, biased variance."""
    mean = x.mean(dim=(0, 2, 3), keepdim=True)
    var = ((x - mean)**2).mean(dim=(0, 2, 3), keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * weight[None, :, None, None] \
        + bias[None, :, None, None]
