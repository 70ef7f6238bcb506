"""Convert an MMRazor 1.0 distillation config into an mmkd config.

The result is one self-contained file (its bases merged) that mmkd's
``tools/train.py`` runs; the rules, each exact or refused with its reason,
are in ``mmrazor_compat.py`` next to this file and docs/classification.md.
MMRazor itself is never imported: only its config files are read (e.g.
``pip download --no-deps mmrazor==1.0.0`` and unzip
``mmrazor/.mim/configs/distill/``).

Example:
    python tools/misc/convert_mmrazor_config.py \
        mmrazor/.mim/configs/distill/mmcls/kd/\
kd_logits_resnet34_resnet18_8xb32_in1k.py kd_logits_r34_r18.py
"""
import argparse
import os
import os.path as osp
import re
import sys
import tempfile
from typing import List, Optional

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from mmrazor_compat import Unsupported, convert_config  # noqa: E402
from mmrazor_ofd import WRN_PATHS  # noqa: E402

# mmcls's configs live on in mmpretrain under the same names; mmdet 3.0's
# Faster R-CNN files were renamed with a hyphen, mmcls 1.0's DeiT-B without
# the '_pt'
RENAMED_PATHS = (('mmcls::', 'mmpretrain::'),
                 ('faster_rcnn/faster_rcnn_', 'faster_rcnn/faster-rcnn_'),
                 ('deit/deit-base_pt-16xb64_in1k.py',
                  'deit/deit-base_16xb64_in1k.py')) + WRN_PATHS


def load_mmrazor_config(path: str):
    """The merged MMRazor config at ``path``, its ``mmcls::`` bases read
    from mmpretrain (the file's folder is copied to a temporary one with
    the scope renamed, so its relative bases come along)."""
    from mmengine.config import Config
    if not osp.isfile(path):
        raise FileNotFoundError(f'No MMRazor config at {path!r}.')
    src_dir = osp.dirname(osp.abspath(path))
    with tempfile.TemporaryDirectory() as tmp:
        for root, _, files in os.walk(src_dir):
            for name in files:
                if not name.endswith('.py'):
                    continue
                src = osp.join(root, name)
                dst = osp.join(tmp, osp.relpath(src, src_dir))
                os.makedirs(osp.dirname(dst), exist_ok=True)
                with open(src) as f:
                    text = f.read()
                for old, new in RENAMED_PATHS:
                    text = text.replace(old, new)
                with open(dst, 'w') as f:
                    f.write(text)
        return Config.fromfile(osp.join(tmp, osp.basename(path)))


def student_num_classes(cfg) -> Optional[int]:
    from mmengine.config import Config

    from mmkd.utils.config_check import resolve_config_path
    arch = cfg.model.get('architecture', {})
    if 'cfg_path' in arch:
        model = Config.fromfile(
            resolve_config_path(arch['cfg_path'].replace(
                'mmcls::', 'mmpretrain::'))).model
    else:
        model = arch
    return model.get('head', {}).get('num_classes')


def convert_file(src: str, dst: str) -> None:
    """Write the mmkd version of MMRazor config ``src`` to ``dst``."""
    from mmengine.config import Config
    try:
        cfg = load_mmrazor_config(src)
        if 'model' not in cfg or 'distiller' not in cfg.model:
            raise Unsupported('not a distillation config (no model.distiller)')
        num_classes = student_num_classes(cfg)
    except ModuleNotFoundError as err:
        raise Unsupported(
            f'reading it imports a module that is not installed ({err}): '
            'its networks come from MMRazor\'s own mmrazor:: configs') \
            from None
    converted = convert_config(cfg.to_dict(), num_classes)
    declare_recipe(converted, osp.basename(src))
    out = Config(converted)
    with open(dst, 'w') as f:
        f.write(f'# Converted from MMRazor 1.0.0\'s {osp.basename(src)} by '
                'tools/misc/convert_mmrazor_config.py\n')
        f.write(out.pretty_text)


def declare_recipe(cfg: dict, name: str) -> None:
    """Declare the setting MMRazor's file trains (``recipe``) and add
    ``mmkd.RecipeHook``, which stops a run that trains another one: the
    total batch from the name's ``<GPUs>xb<batch>`` (OpenMMLab's naming),
    the lr of its optimizer, its epochs. Nothing is declared when the name
    gives no ``NxbM``, or for data-free configs, whose images per step are
    the generator's batch rather than the data loader's."""
    match = re.search(r'(\d+)xb(\d+)', name)
    if match is None or 'generator' in cfg['model']:  # data-free
        return
    gpus, per_gpu = int(match.group(1)), int(match.group(2))
    recipe = dict(
        total_batch_size=gpus * per_gpu,
        source=f"MMRazor 1.0.0's {name} ({gpus} GPUs x {per_gpu} images)")
    optimizer = (cfg.get('optim_wrapper') or {}).get('optimizer') or {}
    if 'lr' in optimizer:
        recipe['lr'] = optimizer['lr']
    train_cfg = cfg.get('train_cfg') or {}
    if 'max_epochs' in train_cfg:
        recipe['max_epochs'] = train_cfg['max_epochs']
    cfg['recipe'] = recipe
    hooks = cfg.setdefault('custom_hooks', [])
    if not any('RecipeHook' in str(h.get('type', '')) for h in hooks):
        hooks.append(dict(type='mmkd.RecipeHook'))


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert an MMRazor 1.0 distillation config into an '
        'mmkd config')
    parser.add_argument('src', help='the MMRazor config file')
    parser.add_argument('dst', help='where to write the mmkd config')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    try:
        convert_file(args.src, args.dst)
    except (Unsupported, FileNotFoundError) as err:
        print(f'{args.src}: cannot be converted: {err}', file=sys.stderr)
        return 1
    print(f'Wrote {args.dst}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
