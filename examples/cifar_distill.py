"""Distill resnet56 into resnet20 on CIFAR-100 in a plain PyTorch loop.

This is the training loop users of the seed toolkit already have; the only
mmkd line is ``Distiller(config)``. Pick the method with ``--method`` and
the recipe with ``--recipe``:

- ``seed`` (default): the seed toolkit's own recipe
  (docs/migrating_from_seed.md): the student starts from its pretrained
  checkpoint (``--student-ckpt``),
  0.8 x CE + the seed's loss config (KD weight 0.2 at T 4; VID weights
  [1, 1, 1]; IRG weight 1), SGD lr 0.01, momentum 0.9, wd 5e-4, batch 256,
  200 epochs, x0.2 at epochs 60/120/160, RandomRotation(15) on top of
  crop/flip, the best epoch reported.
- ``repdistiller``: the recipe behind RepDistiller's published numbers
  (as configs/kd/): from scratch, KD 0.1 x CE + 0.9 x KD(T 4) (VID, IRG:
  CE + the loss), SGD lr 0.05, batch 64, 240 epochs, x0.1 at epochs
  150/180/210, crop/flip, the last epoch reported.

    python examples/cifar_distill.py --method vid --data-root data/cifar100 \\
        --teacher-ckpt work_dirs/resnet56_cifar100/epoch_240.pth \\
        --student-ckpt work_dirs/resnet20_cifar100/epoch_240.pth
    python examples/cifar_distill.py --method kd --recipe repdistiller \\
        --teacher-ckpt work_dirs/resnet56_cifar100/epoch_240.pth
    python examples/cifar_distill.py --method irg --smoke   # random data, CPU

With ``--smoke`` it trains a few steps on generated images, so the script can
be checked anywhere in seconds.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from torch.utils.data import DataLoader, Dataset, TensorDataset  # noqa: E402

from mmkd import Distiller  # noqa: E402
from mmkd.registry import MODELS  # noqa: E402

MEAN = torch.tensor([0.5071, 0.4867, 0.4408]).view(3, 1, 1)
STD = torch.tensor([0.2675, 0.2565, 0.2761]).view(3, 1, 1)

RECIPES = {
    # lr, batch, epochs, milestones, gamma, CE weight, KD weight, rotation
    'seed':
    dict(
        lr=0.01,
        batch_size=256,
        epochs=200,
        milestones=[60, 120, 160],
        gamma=0.2,
        ce_weight=0.8,
        kd_weight=0.2,
        rotation=15,
        pretrained=True,
        report='best'),
    'repdistiller':
    dict(
        lr=0.05,
        batch_size=64,
        epochs=240,
        milestones=[150, 180, 210],
        gamma=0.1,
        ce_weight=None,
        kd_weight=0.9,
        rotation=0,
        pretrained=False,
        report='last'),
}


def ce_weight(method, recipe):
    """The cross-entropy weight: the seed's 0.8 for every method;
    RepDistiller's 0.1 for KD (-r 0.1 -a 0.9) and 1 otherwise."""
    weight = RECIPES[recipe]['ce_weight']
    if weight is None:
        weight = 0.1 if method == 'kd' else 1.0
    return weight


def seed_config(method, student, teacher, device, kd_weight=0.2):
    """The dict configs of the seed toolkit, unchanged (KD's weight is the
    recipe's)."""
    common = dict(
        student_model=student,
        teacher_model=teacher,
        student_out_layer=['linear'],
        device=device)
    if method == 'kd':
        return dict(
            common,
            student_distill_layer=['linear'],
            teacher_distill_layer=['linear'],
            loss=[dict(type='vanilla_kd', T=4)],
            weights=[kd_weight])
    if method == 'vid':
        return dict(
            common,
            student_distill_layer=['layer1', 'layer2', 'layer3'],
            teacher_distill_layer=['layer1', 'layer2', 'layer3'],
            loss=[
                dict(
                    type='vid',
                    in_channels=c,
                    mid_channels=c,
                    out_channels=c,
                    init_pred_var=5.0,
                    eps=1e-5) for c in (16, 32, 64)
            ],
            weights=[1, 1, 1])
    return dict(
        common,
        student_distill_layer=['layer2', 'layer3', 'linear'],
        teacher_distill_layer=['layer2', 'layer3', 'linear'],
        loss=[dict(type='irg', vert=0.1, edge=5.0, tran=5.0)],
        weights=[1.0])


def rotate(img, max_degrees):
    """Rotate a CHW image by a uniform angle in [-max_degrees, max_degrees]
    about its centre, nearest neighbour, zero fill (torchvision's
    RandomRotation defaults)."""
    angle = np.deg2rad(np.random.uniform(-max_degrees, max_degrees))
    cos, sin = float(np.cos(angle)), float(np.sin(angle))
    theta = torch.tensor([[cos, -sin, 0.0], [sin, cos, 0.0]])[None]
    grid = nn.functional.affine_grid(
        theta, (1, ) + tuple(img.shape), align_corners=False)
    return nn.functional.grid_sample(
        img[None], grid, mode='nearest', align_corners=False)[0]


class CIFARTensors(Dataset):
    """CIFAR-100 from mmkd's reader, with crop/flip (and rotation) and
    normalisation."""

    def __init__(self, data_root, split, rotation=0):
        from mmkd.datasets import CIFAR100

        # mmengine datasets serialize their items: read them through
        # get_data_info (data_list is emptied once the dataset is built)
        self.dataset = CIFAR100(data_root=data_root, split=split)
        self.train = split == 'train'
        self.rotation = rotation

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, idx):
        item = self.dataset.get_data_info(idx)
        img = torch.from_numpy(np.ascontiguousarray(item['img'])).permute(
            2, 0, 1).float() / 255
        if self.train:
            img = nn.functional.pad(img, (4, 4, 4, 4))
            top, left = np.random.randint(0, 9, size=2)
            img = img[:, top:top + 32, left:left + 32]
            if np.random.rand() < 0.5:
                img = img.flip(2)
            if self.rotation:
                img = rotate(img, self.rotation)
        return (img - MEAN) / STD, item['gt_label']


def loaders(args, recipe):
    if args.smoke:
        images = torch.randn(64, 3, 32, 32)
        labels = torch.randint(0, 100, (64, ))
        data = TensorDataset(images, labels)
        return DataLoader(data, batch_size=16), DataLoader(data, 32)
    return (DataLoader(
        CIFARTensors(args.data_root, 'train', recipe['rotation']),
        batch_size=recipe['batch_size'],
        shuffle=True,
        num_workers=2),
            DataLoader(CIFARTensors(args.data_root, 'test'), batch_size=256))


def evaluate(model, loader, device):
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for images, labels in loader:
            pred = model(images.to(device)).argmax(1)
            correct += (pred.cpu() == labels).sum().item()
            total += len(labels)
    model.train()
    return 100.0 * correct / total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--method', choices=['kd', 'vid', 'irg'], default='kd')
    parser.add_argument('--data-root', default='data/cifar100')
    parser.add_argument(
        '--recipe',
        choices=sorted(RECIPES),
        default='seed',
        help='seed: the seed toolkit\'s recipe; '
        'repdistiller: the one behind the published '
        'numbers (see the module docstring)')
    parser.add_argument('--teacher-ckpt', default=None)
    parser.add_argument(
        '--student-ckpt',
        default=None,
        help='the pretrained student (the seed recipe '
        'starts from it)')
    parser.add_argument(
        '--epochs', type=int, default=None, help="default: the recipe's")
    parser.add_argument(
        '--smoke', action='store_true', help='a few steps on generated data')
    parser.add_argument(
        '--out', default=None, help='where to save the distilled student')
    args = parser.parse_args()
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    recipe = RECIPES[args.recipe]
    epochs = args.epochs or recipe['epochs']
    if args.smoke:
        epochs = 1

    student = MODELS.build(dict(type='resnet20', num_classes=100)).to(device)
    teacher = MODELS.build(dict(type='resnet56', num_classes=100)).to(device)
    if args.teacher_ckpt:
        from mmkd.utils import safe_load
        state = safe_load(args.teacher_ckpt, map_location=device)
        teacher.load_state_dict(state.get('state_dict', state))
    elif args.smoke:
        # an untrained teacher's BN statistics are the defaults, so its deep
        # features explode in eval mode; estimate them on the smoke data
        teacher.train()
        with torch.no_grad():
            for _ in range(5):
                teacher(torch.randn(64, 3, 32, 32, device=device))
    else:
        parser.error('--teacher-ckpt is needed (a trained resnet56)')
    if recipe['pretrained'] and not args.smoke:
        if not args.student_ckpt:
            parser.error('the seed recipe starts from a pretrained student: '
                         'give --student-ckpt (a trained resnet20), or use '
                         '--recipe repdistiller')
        from mmkd.utils import safe_load
        state = safe_load(args.student_ckpt, map_location=device)
        student.load_state_dict(state.get('state_dict', state))

    distiller = Distiller(
        seed_config(args.method, student, teacher, device,
                    recipe['kd_weight']))
    optimizer = torch.optim.SGD(
        distiller.get_learnable_params(),
        lr=recipe['lr'],
        momentum=0.9,
        weight_decay=5e-4)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(
        optimizer, recipe['milestones'], gamma=recipe['gamma'])
    criterion = nn.CrossEntropyLoss()
    weight = ce_weight(args.method, args.recipe)
    train_loader, test_loader = loaders(args, recipe)
    print(f'{args.recipe} recipe: {weight} x CE + {args.method}, lr '
          f'{recipe["lr"]}, batch {recipe["batch_size"]}, {epochs} epochs, '
          f'x{recipe["gamma"]} at {recipe["milestones"]}')

    best = 0.0
    for epoch in range(epochs):
        distiller.train()
        for images, labels in train_loader:
            images, labels = images.to(device), labels.to(device)
            output, kd_loss = distiller.forward(images)
            loss = weight * criterion(output, labels) + kd_loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        scheduler.step()
        acc = evaluate(student, test_loader, device)
        best = max(best, acc)
        print(f'epoch {epoch + 1}: loss {loss.item():.4f} '
              f'(kd {kd_loss.item():.4f}), test top-1 {acc:.2f}%')
    reported = best if recipe['report'] == 'best' else acc
    if not args.smoke:
        print(f'reported top-1 ({recipe["report"]} epoch, as the '
              f'{args.recipe} recipe reports it): {reported:.2f}%')
    if args.out:
        torch.save(student.state_dict(), args.out)
        print(f'saved the student to {args.out}')


if __name__ == '__main__':
    main()
