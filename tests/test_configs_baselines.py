"""The configs that train a network alone declare the recipe they train
(RepDistiller's teacher recipe) and check it like the distillation
configs."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from tool_utils import REPO

BASELINES = sorted(glob.glob(osp.join(REPO, 'configs', 'baselines', '*.py')))


def test_there_are_baselines():
    assert len(BASELINES) == 10


@pytest.mark.parametrize('path', BASELINES, ids=osp.basename)
def test_baseline_declares_and_trains_repdistillers_teacher_recipe(path):
    cfg = Config.fromfile(path)
    # train_teacher.py defaults: batch 64 on one GPU, lr 0.05, 240 epochs
    assert cfg.recipe.total_batch_size == 64
    assert cfg.recipe.lr == 0.05
    assert cfg.recipe.max_epochs == 240
    assert 'train_teacher.py' in cfg.recipe.source
    # the config trains what it declares
    assert cfg.train_dataloader.batch_size == cfg.recipe.total_batch_size
    assert cfg.optim_wrapper.optimizer.lr == cfg.recipe.lr
    assert cfg.train_cfg.max_epochs == cfg.recipe.max_epochs
    assert cfg.param_scheduler.milestones == [150, 180, 210]
    assert cfg.auto_scale_lr.base_batch_size == cfg.recipe.total_batch_size
    hooks = [h['type'] for h in cfg.custom_hooks]
    assert 'RecipeHook' in hooks
