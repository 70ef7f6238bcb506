"""The runnable examples of docs/distillation.md run as written."""
import os.path as osp
import re

DOC = osp.join(
    osp.dirname(osp.dirname(osp.abspath(__file__))), 'docs', 'distillation.md')


def python_blocks(text):
    section = text.split('## Contracts: losses, connectors, recorders', 1)[1]
    section = section.split('\n## ', 1)[0]
    return re.findall(r'```python\n(.*?)```', section, flags=re.S)


def test_contract_examples_run():
    with open(DOC) as f:
        blocks = python_blocks(f.read())
    assert len(blocks) >= 4
    namespace = {'__name__': 'docs_example'}
    registered = []
    from mmengine.registry import DefaultScope

    import mmkd.models  # noqa: F401  registered before `before` is taken
    from mmkd.registry import MODELS
    try:
        # as in a user's fresh process: mmkd's registries, whatever default
        # scope an earlier test (an mmdet config) left behind
        with DefaultScope.overwrite_default_scope('mmkd'):
            for block in blocks:
                before = set(MODELS.module_dict)
                exec(compile(block, DOC, 'exec'), namespace)
                registered += sorted(set(MODELS.module_dict) - before)
    finally:
        # leave the registry as it was: only the examples' own modules go
        for name in registered:
            MODELS.module_dict.pop(name, None)
    assert {'MyL1Loss', 'MyLabelLoss', 'PoolProject'} <= set(registered)
