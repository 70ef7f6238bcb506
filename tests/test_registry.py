import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmkd  # noqa: F401
from mmkd import registry


def test_every_node_is_a_child_of_mmengine_root():
    from mmengine import registry as root
    for name in registry.__all__:
        node = getattr(registry, name)
        assert node.scope == 'mmkd'
        assert node.parent is getattr(root, name), name


def test_mmkd_models_are_found_by_name():
    init_default_scope('mmkd')
    model = registry.MODELS.build(dict(type='resnet8', num_classes=10))
    assert type(model).__name__ == 'CIFARResNet'


def test_unknown_type_names_the_type_and_registry():
    init_default_scope('mmkd')
    with pytest.raises(KeyError, match='resnet21 is not in the'):
        registry.MODELS.build(dict(type='resnet21'))


@pytest.mark.parametrize('key,expected', [
    ('mmdet.RetinaNet', 'RetinaNet'),
    ('mmdet.MaskRCNN', 'MaskRCNN'),
    ('mmseg.EncoderDecoder', 'EncoderDecoder'),
])
def test_other_projects_types_reachable_with_scope_prefix(key, expected):
    init_default_scope('mmkd')
    assert registry.MODELS.get(key).__name__ == expected


def test_configs_inherit_mmdet_and_mmseg_configs(tmp_path):
    det = tmp_path / 'det.py'
    det.write_text("_base_ = 'mmdet::_base_/models/retinanet_r50_fpn.py'\n"
                   'model = dict(bbox_head=dict(num_classes=3))\n')
    cfg = Config.fromfile(str(det))
    assert cfg.model.type == 'RetinaNet'
    assert cfg.model.bbox_head.num_classes == 3

    seg = tmp_path / 'seg.py'
    seg.write_text("_base_ = 'mmseg::_base_/models/pspnet_r50-d8.py'\n")
    assert Config.fromfile(str(seg)).model.type == 'EncoderDecoder'
