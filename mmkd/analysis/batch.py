"""One batch for both networks: from the config's data, or random."""
import contextlib
import copy
import io
from typing import Optional, Tuple

from mmkd.structures import ClsDataSample


def _task(model) -> str:
    package = type(model).__module__.split('.')[0]
    return package if package in ('mmdet', 'mmseg') else 'cls'


def _find_transform_size(node) -> Optional[Tuple[int, int]]:
    """(H, W) from the first resize or crop transform in a loader config."""
    if isinstance(node, dict):
        kind = str(node.get('type', ''))
        for key in ('scale', 'img_scale', 'crop_size'):
            value = node.get(key)
            if ('Resize' in kind or 'Crop' in kind) and value is not None:
                if isinstance(value, int):
                    return value, value
                if isinstance(value, (list, tuple)) and len(value) == 2 and \
                        all(isinstance(v, int) for v in value):
                    # mmdet/mmcv scales are (w, h); crop sizes (h, w)
                    return (value[1], value[0]) if key != 'crop_size' \
                        else tuple(value)
        children = node.values()
    elif isinstance(node, (list, tuple)):
        children = node
    else:
        return None
    for child in children:
        found = _find_transform_size(child)
        if found:
            return found
    return None


def input_size(cfg, preprocessor, args) -> Tuple[int, int]:
    """The image size of a random batch: ``--random-input``, the
    preprocessor's fixed size (mmseg), the config's resize or crop size,
    else 32x32."""
    if args.random_input:
        return args.random_input
    size = getattr(preprocessor, 'size', None)
    if isinstance(size, (list, tuple)) and len(size) == 2:
        return tuple(size)
    for key in ('val_dataloader', 'test_dataloader', 'train_dataloader'):
        found = _find_transform_size(cfg.get(key))
        if found:
            return found
    return 32, 32


def random_batch(student, preprocessor, size, n: int) -> dict:
    """Random uint8 images and data samples of the student's task."""
    import torch
    h, w = size
    mean = getattr(preprocessor, 'mean', None)
    channels = mean.numel() if isinstance(mean, torch.Tensor) else 3
    inputs = [
        torch.randint(0, 256, (channels, h, w), dtype=torch.uint8)
        for _ in range(n)
    ]
    meta = dict(img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w))
    task = _task(student)
    if task == 'mmdet':
        from mmdet.structures import DetDataSample
        from mmengine.structures import InstanceData
        samples = []
        for i in range(n):
            sample = DetDataSample(metainfo=dict(meta, scale_factor=(1., 1.)))
            sample.gt_instances = InstanceData(
                bboxes=torch.tensor([[w * .1, h * .1, w * .6, h * .6]]),
                labels=torch.tensor([0]))
            samples.append(sample)
    elif task == 'mmseg':
        from mmengine.structures import PixelData
        from mmseg.structures import SegDataSample
        samples = []
        for i in range(n):
            sample = SegDataSample(metainfo=meta)
            sample.gt_sem_seg = PixelData(
                data=torch.zeros(1, h, w, dtype=torch.long))
            samples.append(sample)
    else:
        classes = getattr(student, 'num_classes', 1)
        samples = [
            ClsDataSample(metainfo=dict(meta, sample_idx=i)).set_gt_label(
                i % classes) for i in range(n)
        ]
    return dict(inputs=inputs, data_samples=samples)


def data_batch(cfg, n: int):
    """One batch of the val (else train) data, and where it came from; or
    None and why not."""
    from mmengine.runner import Runner
    reasons = []
    for key in ('val_dataloader', 'train_dataloader'):
        if not cfg.get(key):
            continue
        loader_cfg = copy.deepcopy(cfg[key])
        loader_cfg.update(
            batch_size=n, num_workers=0, persistent_workers=False)
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # pycocotools
                data = next(iter(Runner.build_dataloader(loader_cfg, seed=0)))
        except Exception as err:  # any unreadable data: use random images
            message = (str(err).strip().splitlines() or [''])[0]
            message = message.split('. ')[0][:120]
            reasons.append(f'{key}: {type(err).__name__}: {message}')
            continue
        return data, f'one batch of {key}', reasons
    return None, None, reasons


def make_batch(cfg, student, preprocessor, args):
    """Preprocessed ``inputs``, ``data_samples`` and a line saying what
    they are."""
    data, source, reasons = (None, None, [])
    if args.random_input is None:
        data, source, reasons = data_batch(cfg, args.batch_size)
    if data is None:
        size = input_size(cfg, preprocessor, args)
        data = random_batch(student, preprocessor, size, args.batch_size)
        source = 'random images'
        if reasons:
            source += ' (no data: ' + '; '.join(reasons) + ')'
    processed = preprocessor(data, False)
    return processed['inputs'], processed['data_samples'], source
