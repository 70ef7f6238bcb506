"""MMRazor's DAFL (``DAFLDataFreeDistillation``) as mmkd's ``DAFLDistill``:
a part of ``mmrazor_compat``'s rules.

MMRazor wires DAFL through two distillers: ``distiller`` holds the
student's ``KLDivergence`` between the student's and the teacher's
classifier outputs, ``generator_distiller`` the generator's
``OnehotLikeLoss`` and ``InformationEntropyLoss`` (on the teacher's
classifier output) and ``ActivationLoss`` (on the teacher's pooled
feature). ``DAFLDistill`` takes the same terms as arguments: the three
generator weights, ``kd_loss`` and the teacher's ``classifier``, whose
input is the pooled feature (mmpretrain's ``neck.gap`` output feeds
``head.fc`` unchanged). Each loss maps exactly; any other wiring is
refused with the reason.
"""
from typing import Dict, Tuple

from mmrazor_common import Unsupported, _name
from mmrazor_data_free import DATA_FREE_KEYS, _data_free_generator

# MMRazor's generator-side DAFL losses -> DAFLDistill's weight arguments
GENERATOR_LOSSES = {
    'OnehotLikeLoss': 'one_hot_weight',
    'InformationEntropyLoss': 'entropy_weight',
    'ActivationLoss': 'activation_weight',
}
# each loss's own options that keep it DAFLDistill's term
DEFAULT_OPTIONS = {
    'OnehotLikeLoss': {},
    'InformationEntropyLoss': {
        'gather': True
    },
    'ActivationLoss': {
        'norm_type': 'abs'
    },
}


def _source(distiller: dict, spec: dict, teacher: str) -> Tuple[str, str]:
    """``(recorder type, module name)`` a loss argument reads, with the
    teacher's name taken off a teacher module."""
    if spec.get('connector') or spec.get('record_idx', 0) or \
            spec.get('data_idx') is not None:
        raise Unsupported(f'DAFL loss argument {spec} (connector, record or '
                          'data index) is not mapped')
    side = 'student' if spec['from_student'] else 'teacher'
    recorder = distiller.get(f'{side}_recorders', {})[spec['recorder']]
    source = recorder['source']
    if side == 'teacher':
        if not source.startswith(teacher + '.'):
            raise Unsupported(f'teacher recorder {source!r} is not on the '
                              f'teacher {teacher!r}')
        source = source[len(teacher) + 1:]
    return _name(recorder['type']), source


def _student_kd(distiller: dict, teacher: str) -> Tuple[dict, str]:
    """The student's ``kd_loss`` and the classifier it reads."""
    losses = distiller.get('distill_losses', {})
    if len(losses) != 1:
        raise Unsupported(f'DAFL student losses {sorted(losses)}: one '
                          'KLDivergence is mapped')
    (name, loss), = losses.items()
    loss = dict(loss)
    if _name(loss.pop('type')) != 'KLDivergence' or \
            loss.pop('reduction', 'batchmean') != 'batchmean' or \
            not loss.pop('teacher_detach', True):
        raise Unsupported(f'DAFL student loss {name} is not a batchmean '
                          'KLDivergence')
    mapping = distiller['loss_forward_mappings'][name]
    student = _source(distiller, mapping['preds_S'], teacher)
    classifier = _source(distiller, mapping['preds_T'], teacher)
    if student != classifier or student[0] != 'ModuleOutputs':
        raise Unsupported(f'DAFL student loss {name} compares {student} with '
                          f'{classifier}, not the outputs of one classifier')
    kd_loss = dict(
        type='KDLoss',
        tau=loss.pop('tau', 1.0),
        loss_weight=loss.pop('loss_weight', 1.0))
    if loss:
        raise Unsupported(f'KLDivergence options {sorted(loss)} not mapped')
    return kd_loss, classifier[1]


def _generator_weights(distiller: dict, teacher: str,
                       classifier: str) -> Dict[str, float]:
    """DAFLDistill's three generator weights from the generator
    distiller's losses, each on the module DAFLDistill reads."""
    if distiller.get('student_recorders'):
        raise Unsupported('DAFL generator losses on the student')
    pooled = {('ModuleInputs', classifier)}
    if classifier == 'head.fc':  # mmpretrain: neck.gap feeds head.fc
        pooled.add(('ModuleOutputs', 'neck.gap'))
    weights = {}
    for name, loss in distiller.get('distill_losses', {}).items():
        loss = dict(loss)
        kind = _name(loss.pop('type'))
        if kind not in GENERATOR_LOSSES or GENERATOR_LOSSES[kind] in weights:
            raise Unsupported(f'DAFL generator loss {name} ({kind}) is not '
                              'mapped (each of '
                              f'{sorted(GENERATOR_LOSSES)} once)')
        weight = float(loss.pop('loss_weight', 1.0))
        defaults = DEFAULT_OPTIONS[kind]
        if weight < 0 or any(k not in defaults or v != defaults[k]
                             for k, v in loss.items()):
            raise Unsupported(f'{kind}({loss}, loss_weight={weight}) is not '
                              'mapped')
        (arg, spec), = distiller['loss_forward_mappings'][name].items()
        read = _source(distiller, spec, teacher)
        wanted = pooled if kind == 'ActivationLoss' else {('ModuleOutputs',
                                                           classifier)}
        if spec['from_student'] or read not in wanted:
            raise Unsupported(f'DAFL generator loss {name} reads {read}, '
                              f'not the teacher\'s {sorted(wanted)}')
        weights[GENERATOR_LOSSES[kind]] = weight
    missing = set(GENERATOR_LOSSES.values()) - set(weights)
    if missing:
        raise Unsupported(f'DAFL generator losses without {sorted(missing)}')
    return weights


def convert_dafl(cfg: dict) -> dict:
    """MMRazor's ``DAFLDataFreeDistillation`` config as mmkd's
    ``DAFLDistill`` (its generated images per process: the train
    dataloader's batch size, which MMRazor reads)."""
    model = cfg['model']
    extra = sorted(set(model) - DATA_FREE_KEYS)
    if extra or model.get('student_iter', 1) != 1 or \
            model.get('student_train_first', False):
        raise Unsupported(f'DAFLDataFreeDistillation options {extra}, '
                          'student_iter or student_train_first not mapped')
    if len(model['teachers']) != 1:
        raise Unsupported('DAFL from several teachers')
    (name, teacher), = model['teachers'].items()
    build = dict(teacher['build_cfg'])
    build.pop('pretrained', None)
    student = dict(model['architecture'])
    student.pop('pretrained', None)
    kd_loss, classifier = _student_kd(model['distiller'], name)
    cfg['model'] = dict(
        _scope_='mmkd',
        type='DAFLDistill',
        architecture=student,
        teacher=build,
        teacher_ckpt=teacher.get('ckpt_path'),
        generator=_data_free_generator(model['generator']),
        batch_size=cfg['train_dataloader']['batch_size'],
        kd_loss=kd_loss,
        classifier=classifier,
        data_preprocessor=model.get('data_preprocessor'),
        **_generator_weights(model['generator_distiller'], name, classifier))
    wrapper = cfg['optim_wrapper']
    if _name(wrapper.get('constructor',
                         '')) != 'SeparateOptimWrapperConstructor':
        raise Unsupported('DAFL optim_wrapper without MMRazor\'s '
                          'SeparateOptimWrapperConstructor')
    wrapper['constructor'] = 'mmkd.PerModuleOptimWrapperConstructor'
    return cfg
