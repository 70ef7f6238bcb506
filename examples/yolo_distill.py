"""A YOLO-style training step with output distillation (``YoloKDLoss``).

The detector here is a tiny YOLO-like network whose modules follow the
YOLOv5/YOLOv7 layout: ``model.model`` holds the layers and the last one is a
``Detect`` head that returns, in training, a list of raw outputs of shape
``(B, num_anchors, H, W, 5 + nc)`` per level and, in eval mode, the tuple
``(inference_output, raw_outputs)``. A real YOLOv5/YOLOv7 script plugs in
the same way: distill its detect layer (``model.24`` of YOLOv5n/s/m/l/x,
``model.77`` of YOLOv7-tiny, ``model.121`` of YOLOv7; the heads, Ultralytics
YOLOv8's included, are described in docs/migrating_from_seed.md) with

    Distiller(dict(student_model=model, teacher_model=teacher,
                   student_distill_layer=['model.24'],
                   teacher_distill_layer=['model.24'],
                   loss=[dict(type='YoloKDLoss', nc=model.nc, giou=0.05,
                              dist=1.0, obj=hyp['obj'], cls=hyp['cls'])],
                   weights=[1.0], student_out_layer=['model.24'],
                   device=device))

A script that wraps the student in DDP after building the Distiller (as
YOLOv5's train.py does) hands the wrapper over with
``distiller.use_wrapped_student(model)``.

Run on CPU with generated images (a bright square to find), optionally with
2 processes under DDP:

    python examples/yolo_distill.py --smoke
    torchrun --nproc_per_node 2 examples/yolo_distill.py --smoke --ddp
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from mmkd import Distiller  # noqa: E402
from mmkd.utils import teardown_distributed  # noqa: E402

NUM_ANCHORS = 3


def conv(c_in, c_out, stride):
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False),
        nn.BatchNorm2d(c_out), nn.SiLU())


class Detect(nn.Module):
    """YOLO head: a 1x1 conv per level, raw outputs as YOLO lays them out."""

    def __init__(self, nc, channels):
        super().__init__()
        self.nc, self.no = nc, 5 + nc
        self.m = nn.ModuleList(
            nn.Conv2d(c, NUM_ANCHORS * self.no, 1) for c in channels)

    def forward(self, features):
        raw = []
        for conv_layer, x in zip(self.m, features):
            b, _, h, w = x.shape
            out = conv_layer(x).view(b, NUM_ANCHORS, self.no, h, w)
            raw.append(out.permute(0, 1, 3, 4, 2).contiguous())
        if self.training:
            return raw
        inference = torch.cat(
            [r.sigmoid().view(r.size(0), -1, self.no) for r in raw], 1)
        return inference, raw


class TinyYOLO(nn.Module):
    """Layers 0-3 make strides 2/4/8/16; Detect (layer 4) sees 8 and 16."""

    def __init__(self, nc=3, width=8):
        super().__init__()
        self.nc = nc
        self.model = nn.Sequential(
            conv(3, width, 2), conv(width, 2 * width, 2),
            conv(2 * width, 4 * width, 2), conv(4 * width, 8 * width, 2),
            Detect(nc, (4 * width, 8 * width)))

    def forward(self, x):
        x = self.model[1](self.model[0](x))
        p3 = self.model[2](x)
        p4 = self.model[3](p3)
        return self.model[4]([p3, p4])


def make_batch(batch_size, nc, size=64, generator=None):
    """Images with one bright square each, and its class and centre."""
    images = torch.rand(batch_size, 3, size, size, generator=generator) * 0.2
    cls = torch.randint(0, nc, (batch_size, ), generator=generator)
    centres = torch.randint(8, size - 8, (batch_size, 2), generator=generator)
    for i, (cx, cy) in enumerate(centres.tolist()):
        images[i, cls[i], cy - 6:cy + 6, cx - 6:cx + 6] = 1.0
    return images, cls, centres.float() / size


def detection_loss(raw, cls, centres):
    """A small YOLO-like loss: objectness at the cell of each centre (BCE),
    box centre offset and class there."""
    loss = 0.0
    for out in raw:
        b, na, h, w, _ = out.shape
        gx = (centres[:, 0] * w).long().clamp(max=w - 1)
        gy = (centres[:, 1] * h).long().clamp(max=h - 1)
        obj_target = torch.zeros(b, na, h, w, device=out.device)
        obj_target[torch.arange(b), :, gy, gx] = 1.0
        loss = loss + F.binary_cross_entropy_with_logits(
            out[..., 4].float(), obj_target)
        cell = out[torch.arange(b), :, gy, gx].float()  # (b, na, 5 + nc)
        offset = torch.stack([centres[:, 0] * w - gx, centres[:, 1] * h - gy],
                             1).unsqueeze(1).expand(-1, na, -1)
        loss = loss + F.mse_loss(cell[..., :2].sigmoid(), offset)
        loss = loss + F.cross_entropy(cell[..., 5:].reshape(b * na, -1),
                                      cls.repeat_interleave(na))
    return loss


def train(model, steps, lr, device, distiller=None, log=None):
    params = distiller.get_learnable_params() if distiller else \
        model.parameters()
    optimizer = torch.optim.SGD(params, lr=lr, momentum=0.9)
    use_cuda = device.type == 'cuda'
    scaler = torch.amp.GradScaler('cuda', enabled=use_cuda)
    generator = torch.Generator().manual_seed(
        dist.get_rank() if dist.is_initialized() else 0)
    for step in range(steps):
        images, cls, centres = make_batch(
            8, model_nc(model), generator=generator)
        images, cls, centres = images.to(device), cls.to(device), centres.to(
            device)
        with torch.autocast(
                device.type,
                dtype=torch.float16 if use_cuda else torch.bfloat16):
            if distiller is not None:
                raw, kd_loss = distiller.forward(images)
            else:
                raw, kd_loss = model(images), torch.zeros((), device=device)
        loss = detection_loss(raw, cls, centres) + kd_loss
        optimizer.zero_grad()
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        if log and (step + 1) % max(1, steps // 4) == 0:
            log(f'step {step + 1}/{steps}: loss {loss.item():.4f} '
                f'(kd {kd_loss.item():.4f})')
    return loss.item()


def model_nc(model):
    return getattr(model, 'module', model).nc


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--smoke',
        action='store_true',
        help='few steps (the default data is generated)')
    parser.add_argument(
        '--ddp',
        action='store_true',
        help='run under torchrun with DDP (gloo on CPU)')
    parser.add_argument('--steps', type=int, default=200)
    args = parser.parse_args()
    steps = 12 if args.smoke else args.steps

    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    if args.ddp:
        dist.init_process_group('nccl' if device.type == 'cuda' else 'gloo')
        if device.type == 'cuda':
            device = torch.device('cuda', int(os.environ['LOCAL_RANK']))
    rank = dist.get_rank() if args.ddp else 0

    def log(msg):
        if rank == 0:
            print(msg, flush=True)

    nc = 3
    torch.manual_seed(0)
    teacher = TinyYOLO(nc, width=16).to(device)
    log('training the teacher alone')
    train(teacher, steps, 0.02, device, log=log)

    torch.manual_seed(1)
    student = TinyYOLO(nc, width=4).to(device)
    if args.ddp:
        student = nn.parallel.DistributedDataParallel(
            student,
            device_ids=[device.index] if device.type == 'cuda' else None)
    # the seed toolkit's YOLO config; names resolve on the unwrapped model
    distiller = Distiller(
        dict(
            student_model=student,
            teacher_model=teacher,
            student_distill_layer=['model.4'],
            teacher_distill_layer=['model.4'],
            loss=[
                dict(
                    type='YoloKDLoss',
                    nc=nc,
                    giou=0.05,
                    dist=1.0,
                    obj=0.7,
                    cls=0.3)
            ],
            weights=[1.0],
            student_out_layer=['model.4'],
            device=device))
    log('distilling the student')
    final = train(student, steps, 0.02, device, distiller=distiller, log=log)
    log(f'final loss {final:.4f}')
    if args.ddp:
        teardown_distributed()


if __name__ == '__main__':
    main()
