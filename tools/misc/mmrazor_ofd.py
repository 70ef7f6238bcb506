"""MMRazor's OFD config in mmkd's terms: a part of ``mmrazor_compat``'s
rules.

- ``OverhaulFeatureDistillation`` with an ``OFDDistiller`` is
  ``SingleTeacherDistill`` with a ``ConfigurableDistiller``: MMRazor's
  distiller computes each teacher-side ``OFDTeacherConnector``'s margins
  from the teacher BN its recorder watches; mmkd's ``OFDLoss`` computes the
  same margins from the BN named by ``teacher_bn``, so the teacher
  connector goes and its recorder's source becomes ``teacher_bn``.
- MMRazor's ``OFDLoss`` divides its sum by the batch and by ``mul_factor``
  (1000); mmkd's divides by the batch: ``loss_weight / mul_factor``.
- Its networks come from MMRazor's ``mmrazor::vanilla/mmcls/wide-resnet/``
  configs: WRN-16-2 and WRN-28-4 are ``configs/mmpretrain/wrn/`` (mmkd's
  ``WideResNetBackbone``, MMRazor's parameter names; its ReLUs are not in
  place, so the recorded BN outputs stay the pre-ReLU maps, where MMRazor's
  in-place ReLUs leave its recorders the post-ReLU ones).
"""
from mmrazor_common import Unsupported, _name

# MMRazor's vanilla network configs that mmkd has, as text replacements of
# the config files (convert_mmrazor_config.RENAMED_PATHS)
WRN_PATHS = tuple(
    (f'mmrazor::vanilla/mmcls/wide-resnet/{name}_b16x8_cifar10.py',
     f'mmkd::mmpretrain/wrn/{name}_8xb16_cifar10.py')
    for name in ('wrn16-w2', 'wrn28-w4'))


def convert_ofd(model: dict) -> None:
    """MMRazor's ``OverhaulFeatureDistillation`` model as a
    ``SingleTeacherDistill`` one (its distiller still in MMRazor's explicit
    form, each ``OFDLoss`` already mmkd's), in place."""
    distiller = model['distiller']
    if _name(distiller.get('type', '')) != 'OFDDistiller':
        raise Unsupported('OverhaulFeatureDistillation without its '
                          'OFDDistiller')
    for side in ('architecture', 'teacher'):
        path = model.get(side, {}).get('cfg_path', '')
        if path.startswith('mmrazor::'):
            raise Unsupported(f'{path}: its networks come from MMRazor\'s '
                              'own mmrazor:: configs (mmkd has WRN-16-2 and '
                              'WRN-28-4 of them)')
    model['type'] = 'SingleTeacherDistill'
    distiller['type'] = 'ConfigurableDistiller'
    connectors = distiller.get('connectors', {})
    recorders = distiller.get('teacher_recorders', {})
    for name, loss in distiller.get('distill_losses', {}).items():
        if _name(loss.get('type', '')) != 'OFDLoss':
            continue
        mapping = distiller['loss_forward_mappings'][name]
        teacher = [
            spec for spec in mapping.values()
            if not spec.get('from_student', True)
        ]
        if len(teacher) != 1 or _name(
                connectors.get(teacher[0].get('connector'), {}).get(
                    'type', '')) != 'OFDTeacherConnector':
            raise Unsupported(f'{name}: an OFDLoss without one teacher input '
                              'through an OFDTeacherConnector')
        del connectors[teacher[0].pop('connector')]
        bn = recorders[teacher[0]['recorder']]
        if _name(bn.get('type', '')) != 'ModuleOutputs':
            raise Unsupported(f'{name}: OFDTeacherConnector on a '
                              f'{bn.get("type")} record')
        loss = dict(loss)
        weight = float(loss.pop('loss_weight', 1.0))
        mul_factor = float(loss.pop('mul_factor', 1000.0))
        loss.pop('type')
        if loss:
            raise Unsupported(f'{name}: OFDLoss options {sorted(loss)}')
        distiller['distill_losses'][name] = dict(
            type='mmkd.OFDLoss',
            teacher_bn=bn['source'],
            loss_weight=weight / mul_factor)
    unused = [
        k for k, v in connectors.items()
        if _name(v.get('type', '')) == 'OFDTeacherConnector'
    ]
    if unused:
        raise Unsupported(f'OFDTeacherConnectors {unused} outside an OFDLoss')
