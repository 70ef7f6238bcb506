"""Cached soft labels travel from dataloader workers as numpy arrays (a
tensor costs a shared-memory segment each), and give the same losses bit
for bit as the tensors they replace."""
import copy

import numpy as np
import torch
from cache_utils import tiny_cfg
from mmengine.dataset import pseudo_collate
from mmengine.structures import BaseDataElement

from mmkd.datasets.teacher_cache import build_teacher_cache
from mmkd.registry import DATASETS, MODELS

FIELDS = ('teacher_topk_logits', 'teacher_topk_classes', 'teacher_tail_mass')


def _tensors(obj) -> int:
    """Number of tensors in a batch, as a worker hands them over."""
    if isinstance(obj, torch.Tensor):
        return 1
    if isinstance(obj, BaseDataElement):
        return sum(_tensors(v) for v in obj.values())
    if isinstance(obj, dict):
        return sum(_tensors(v) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return sum(_tensors(v) for v in obj)
    return 0


def test_cached_batches_carry_no_more_tensors_and_the_same_loss(
        tmp_path, teacher_ckpt, quiet):
    cache_dir = str(tmp_path / 'cache')
    cfg = tiny_cfg(cache_dir, teacher_ckpt, num_samples=8)
    build_teacher_cache(cfg, draws=2, topk=4, log=quiet[0])
    dataset_cfg = cfg.train_dataloader.dataset
    cached = DATASETS.build(copy.deepcopy(dataset_cfg))
    plain_cfg = copy.deepcopy(dataset_cfg)
    plain_cfg.pipeline = [dict(type='PackClsInputs')]
    plain = DATASETS.build(plain_cfg)
    loader = torch.utils.data.DataLoader(
        cached, batch_size=8, num_workers=2, collate_fn=pseudo_collate)
    batch = next(iter(loader))
    plain_batch = pseudo_collate([plain[i] for i in range(8)])
    assert _tensors(batch) == _tensors(plain_batch) == 16
    sample = batch['data_samples'][0]
    assert all(isinstance(getattr(sample, f), np.ndarray) for f in FIELDS)

    # the same batch with the soft labels as tensors (the former form)
    as_tensors = copy.deepcopy(batch)
    for sample in as_tensors['data_samples']:
        for field in FIELDS:
            setattr(sample, field, torch.from_numpy(getattr(sample, field)))
    assert _tensors(as_tensors) == 16 + 3 * 8
    torch.manual_seed(0)
    model_cfg = dict(cfg.model, data_preprocessor=cfg.data_preprocessor)
    model = MODELS.build(model_cfg)
    results = []
    for data in (batch, as_tensors):
        model.zero_grad()
        data = model.data_preprocessor(data, True)
        losses = model(data['inputs'], data['data_samples'], mode='loss')
        sum(losses.values()).backward()
        results.append((losses, [p.grad.clone() for p in model.parameters()]))
    (new, new_grads), (old, old_grads) = results
    assert set(new) == set(old) and 'distill.loss_kd' in new
    assert all(torch.equal(new[k], old[k]) for k in new)
    assert all(torch.equal(a, b) for a, b in zip(new_grads, old_grads))
