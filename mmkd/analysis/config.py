"""The config the layer finder builds: a distillation config, or one
made of a student config and a teacher config."""
import copy
import os.path as osp

from mmkd.cli.cli import merge_cfg_options, read_config
from mmkd.registry import MODELS
from mmkd.utils.config_check import resolve_config_path


def _abs_config_path(path: str) -> str:
    return osp.abspath(resolve_config_path(path))


def load_distill_config(args):
    """The config to build (a distillation config, or one made of
    ``--student`` and ``--teacher``) and whether it names a distiller."""
    if args.student is not None:
        student, teacher = (_abs_config_path(args.student),
                            _abs_config_path(args.teacher))
        # data, scope and preprocessor
        cfg = read_config(args.student)
        if 'model' not in cfg:
            raise KeyError(f'--student {args.student!r} has no model.')
        cfg.model = dict(
            _scope_='mmkd',
            type='SingleTeacherDistill',
            architecture=dict(cfg_path=student),
            teacher=dict(cfg_path=teacher),
            distiller=dict(type='ConfigurableDistiller'))
        has_distiller = False
    else:
        cfg = read_config(args.config, args.cfg_options)
        model = cfg.get('model')
        if not isinstance(model, dict) or not all(
                key in model for key in ('architecture', 'teacher')):
            model_type = model.get('type') if isinstance(model, dict) else None
            raise ValueError(
                f'{args.config} is not a distillation config: its model '
                f'(type={model_type!r}) has no architecture and teacher. '
                'Give a distillation config (model.type='
                "'SingleTeacherDistill'), or two model configs with "
                '--student STUDENT_CONFIG --teacher TEACHER_CONFIG.')
        has_distiller = bool(model.get('distiller'))
    if args.student is not None:
        merge_cfg_options(cfg, args.cfg_options)
    return cfg, has_distiller


def build_models(cfg):
    """Student, teacher and data preprocessor, built as training builds
    them (``SingleTeacherDistill``), with no distiller and no checkpoint."""
    from mmengine.registry import init_default_scope

    init_default_scope(cfg.get('default_scope', 'mmkd'))
    model_cfg = copy.deepcopy(cfg.model).to_dict()
    # (assigned, not merged: the config's distiller is replaced)
    model_cfg['distiller'] = dict(type='mmkd.ConfigurableDistiller')
    model_cfg.update(
        teacher_ckpt=None,
        teacher_ckpt_optional=True,
        teacher_early_stop=False)
    if cfg.get('data_preprocessor') is not None:  # as the Runner does
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    algo = MODELS.build(model_cfg)
    algo.teardown()  # nothing is attached; shapes are recorded here
    return algo.architecture.eval(), algo.teacher.eval(), \
        algo.data_preprocessor
