"""MMRazor's adversarial data-free distillation (DFAD, ZSKT) in mmkd's
vocabulary: a part of ``mmrazor_compat``'s rules."""
from typing import Callable

from mmrazor_common import Unsupported, _name

# --- adversarial data-free distillation (DFAD, ZSKT) ---------------------
# MMRazor's DataFreeDistillation is mmkd's AdversarialDataFreeDistill: its
# generator_distiller (negative weights) becomes the discrepancy that the
# generator maximises (positive weights, both networks' gradients kept).
# Each student step draws new noise, as in MMRazor; unlike MMRazor, no
# gradient of the generator's step reaches the student's next step.
DATA_FREE_KEYS = {
    'type', '_scope_', 'data_preprocessor', 'architecture', 'teachers',
    'generator', 'distiller', 'generator_distiller', 'student_iter',
    'student_train_first'
}


def _data_free_loss(cfg: dict, generator: bool) -> dict:
    cfg = dict(cfg)
    name = _name(cfg.pop('type'))
    weight = float(cfg.pop('loss_weight', 1.0))
    if generator:
        if weight >= 0:
            raise Unsupported(f'generator_distiller {name} with weight '
                              f'{weight} >= 0 (the generator would not '
                              'maximise it)')
        weight = -weight
    cfg.pop('teacher_detach', None)  # the student's teacher has no grad
    if name == 'L1Loss' and cfg.get('reduction', 'mean') == 'mean' and \
            cfg.get('size_average') is None and cfg.get('reduce') is None:
        return dict(type='L1Discrepancy', loss_weight=weight)
    if name == 'KLDivergence' and cfg.get('reduction') in ('mean',
                                                           'batchmean'):
        return dict(type='KLDiscrepancy', loss_weight=weight, **cfg)
    if name == 'ATLoss' and not generator and not cfg:
        return dict(type='ATLoss', loss_weight=weight)
    raise Unsupported(f'data-free loss {name}({cfg}) is not mapped')


def _data_free_distiller(cfg: dict, teacher: str, generator: bool,
                         distiller: Callable) -> dict:
    losses = cfg.get('distill_losses', {})
    cfg = distiller(dict(cfg, distill_losses={}), None, None)
    cfg['distill_losses'] = {
        k: _data_free_loss(v, generator)
        for k, v in losses.items()
    }
    for recorder in cfg.get('teacher_recorders', {}).values():
        if not recorder['source'].startswith(teacher + '.'):
            raise Unsupported(f"teacher recorder {recorder['source']!r} is "
                              f'not on the teacher {teacher!r}')
        recorder['source'] = recorder['source'][len(teacher) + 1:]
    return cfg


def _data_free_generator(cfg: dict) -> dict:
    cfg = dict(cfg)
    name = _name(cfg.pop('type'))
    if name not in ('DAFLGenerator', 'ZSKTGenerator') or \
            cfg.pop('scale_factor', 2) != 2 or \
            cfg.pop('leaky_slope', 0.2) != 0.2 or cfg.pop('init_cfg', None):
        raise Unsupported(f'generator {name} with these options is not '
                          'mapped')
    if name == 'DAFLGenerator':
        cfg.setdefault('bn_eps', 0.8)
    return dict(type=name, channels=3, **cfg)


def convert_data_free(cfg: dict, distiller: Callable) -> dict:
    """MMRazor's ``DataFreeDistillation`` config as mmkd's
    ``AdversarialDataFreeDistill``; ``distiller(cfg, num_classes,
    batch_size)`` converts a ``ConfigurableDistiller`` config."""
    model = cfg['model']
    extra = sorted(set(model) - DATA_FREE_KEYS)
    if extra:
        raise Unsupported(f'DataFreeDistillation options {extra} not mapped')
    if len(model['teachers']) != 1:
        raise Unsupported('data-free distillation from several teachers')
    (name, teacher), = model['teachers'].items()
    build = dict(teacher['build_cfg'])
    build.pop('pretrained', None)
    student = dict(model['architecture'])
    student.pop('pretrained', None)
    cfg['model'] = dict(
        _scope_='mmkd',
        type='AdversarialDataFreeDistill',
        architecture=student,
        teacher=build,
        teacher_ckpt=teacher.get('ckpt_path'),
        generator=_data_free_generator(model['generator']),
        distiller=_data_free_distiller(model['distiller'], name, False,
                                       distiller),
        generator_distiller=_data_free_distiller(model['generator_distiller'],
                                                 name, True, distiller),
        batch_size=cfg['train_dataloader']['batch_size'],
        student_steps=model.get('student_iter', 1),
        student_first=model.get('student_train_first', False),
        data_preprocessor=model.get('data_preprocessor'))
    wrapper = cfg['optim_wrapper']
    if _name(wrapper.get('constructor',
                         '')) != 'SeparateOptimWrapperConstructor':
        raise Unsupported('data-free optim_wrapper without MMRazor\'s '
                          'SeparateOptimWrapperConstructor')
    wrapper['constructor'] = 'mmkd.PerModuleOptimWrapperConstructor'
    return cfg
