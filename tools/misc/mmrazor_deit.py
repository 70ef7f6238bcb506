"""MMRazor's DeiT config in mmkd's terms: a part of ``mmrazor_compat``'s
rules."""
from mmrazor_common import Unsupported, _name


def convert_deit_networks(model: dict) -> None:
    """MMRazor's DeiT config (``configs/distill/mmcls/deit``) in mmkd's
    terms, in place.

    - ``mmrazor.DeiTClsHead`` is ``mmkd.DeiTDistillHead``: the same training
      (the label loss on the class token, ``head.layers.head_dist`` for the
      distiller); it predicts with the average of both heads, as DeiT and
      mmpretrain do, where MMRazor's predicts with the class token alone.
    - A teacher ``ImageClassifier(TIMMBackbone(name), GlobalAveragePooling,
      LinearClsHead)`` is timm's own classifier ``name``:
      ``mmpretrain.TimmClassifier``, whose keys are timm's. Its weights
      (``pretrained=True`` and the head's ``init_cfg``; timm 1.0's default
      ``regnety_160`` weights are no longer DeiT's) come from the head's
      ``init_cfg`` file, unwrapped from its ``'model'`` key into
      ``checkpoints/<name>_state.pth`` (configs/mmpretrain/deit/README.md).
      Teacher records of ``head.fc`` are of timm's classifier
      (``model.<its pretrained_cfg classifier>``).
    """
    head = model.get('architecture', {}).get('head') or {}
    if _name(head.get('type', '')) == 'DeiTClsHead':
        head['type'] = 'mmkd.DeiTDistillHead'
    teacher = model.get('teacher') or {}
    backbone = teacher.get('backbone') or {}
    if _name(backbone.get('type', '')) != 'TIMMBackbone':
        return
    neck, cls_head = teacher.get('neck') or {}, teacher.get('head') or {}
    checkpoint = (cls_head.get('init_cfg') or {}).get('checkpoint')
    if _name(neck.get('type', '')) != 'GlobalAveragePooling' or \
            _name(cls_head.get('type', '')) != 'LinearClsHead' or \
            set(backbone) - {'type', 'model_name', 'pretrained'} or \
            not checkpoint:
        raise Unsupported('a TIMMBackbone teacher other than a timm '
                          'network + GlobalAveragePooling + LinearClsHead '
                          'with its checkpoint in the head\'s init_cfg')
    model['teacher'] = dict(
        type='mmpretrain.TimmClassifier',
        model_name=backbone['model_name'],
        pretrained=False,
        num_classes=cls_head['num_classes'])
    import timm.models
    classifier = timm.models.get_pretrained_cfg_value(backbone['model_name'],
                                                      'classifier')
    recorders = model.get('distiller', {}).get('teacher_recorders', {})
    for recorder in recorders.values():
        if recorder.get('source') != 'head.fc' or not classifier:
            raise Unsupported('teacher records other than head.fc of a '
                              f'TIMMBackbone teacher: {recorder}')
        recorder['source'] = f'model.{classifier}'
    stem = checkpoint.rsplit('/', 1)[-1].rsplit('.', 1)[0]
    model['teacher_ckpt'] = f'checkpoints/{stem}_state.pth'
