"""The teacher-cache configs build their cache and train from it."""
import os.path as osp

from kd_config_utils import make_two_iter_cifar, two_iter_cfg
from mmengine.config import Config
from mmengine.runner import Runner

from mmkd.datasets.teacher_cache import build_teacher_cache

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _train(cfg, cache_dir, quiet, draws=2):
    cfg.train_dataloader.dataset.pipeline[0].cache_dir = cache_dir
    build_teacher_cache(cfg, draws=draws, topk=10, log=quiet)
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


def test_cifar_config_trains_two_iterations_from_its_cache(tmp_path, quiet):
    config = osp.join(REPO, 'configs/kd/cached_kd/'
                      'cached_kd_resnet56_resnet20.py')
    data_root = make_two_iter_cifar(str(tmp_path / 'cifar'))
    cfg = two_iter_cfg(config, tmp_path, data_root)
    runner = _train(cfg, str(tmp_path / 'cache'), quiet[0])
    assert runner.iter == 2
    scalars = runner.message_hub.log_scalars
    assert scalars['train/distill.loss_kd'].current() > 0


def test_digits_config_trains_from_its_cache(tmp_path, quiet):
    cfg = Config.fromfile(
        osp.join(REPO, 'configs/digits/cached_kd_cnn64x5_cnn8x2_digits.py'))
    cfg.model.update(teacher_ckpt=None, teacher_ckpt_optional=True)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.num_train = 40
    cfg.train_dataloader.batch_size = 20
    cfg.update(
        work_dir=str(tmp_path / 'work'),
        log_level='WARNING',
        train_cfg=dict(by_epoch=True, max_epochs=1, val_interval=10),
        randomness=dict(seed=0))
    runner = _train(cfg, str(tmp_path / 'cache'), quiet[0])
    assert runner.iter == 2
