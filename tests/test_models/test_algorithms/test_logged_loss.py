"""The logged ``loss`` is the sum that is optimised, whatever the student
calls its own losses (mmpretrain calls its classifier's loss ``loss``):
the student's losses are logged as ``student.<name>``, the distill losses
as ``distill.<name>``; checked with mmpretrain, mmdet and mmseg students."""
import pytest
import torch
from mmengine.optim import OptimWrapper
from mmengine.structures import InstanceData, PixelData

from mmkd.registry import MODELS


def _images(n, size, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return [
        torch.randint(
            0, 256, (3, size, size), generator=gen, dtype=torch.uint8)
        for _ in range(n)
    ]


def cls_batch():
    from mmpretrain.structures import DataSample
    return dict(
        inputs=_images(2, 32),
        data_samples=[DataSample().set_gt_label(i) for i in range(2)])


def det_batch():
    from mmdet.structures import DetDataSample
    samples = []
    for _ in range(2):
        sample = DetDataSample(
            metainfo=dict(
                img_shape=(64, 64), ori_shape=(64, 64), scale_factor=(1., 1.)))
        sample.gt_instances = InstanceData(
            bboxes=torch.tensor([[4.0, 4.0, 40.0, 40.0]]),
            labels=torch.tensor([0]))
        samples.append(sample)
    return dict(inputs=_images(2, 64), data_samples=samples)


def seg_batch():
    from mmseg.structures import SegDataSample
    samples = []
    for _ in range(2):
        sample = SegDataSample(
            metainfo=dict(img_shape=(64, 64), ori_shape=(64, 64)))
        sample.gt_sem_seg = PixelData(
            data=torch.randint(0, 4, (1, 64, 64), dtype=torch.long))
        samples.append(sample)
    return dict(inputs=_images(2, 64), data_samples=samples)


CASES = {
    'mmpretrain':
    dict(
        student='mmkd::mmpretrain/tiny/resnet18_w8_tiny-in.py',
        teacher='mmkd::mmpretrain/tiny/resnet34_w8_tiny-in.py',
        layer='head.fc',
        loss=dict(type='KDLoss', tau=4.0),
        batch=cls_batch,
        own={'student.loss'}),
    'mmdet':
    dict(
        student='mmkd::mmdet/tiny/retinanet_r18_fpn_tiny-coco.py',
        teacher='mmkd::mmdet/tiny/retinanet_r34_fpn_tiny-coco.py',
        layer='neck.fpn_convs.0.conv',
        loss=dict(type='PKDLoss'),
        batch=det_batch,
        own={'student.loss_cls', 'student.loss_bbox'}),
    'mmseg':
    dict(
        student='mmkd::mmseg/tiny/pspnet_r18_tiny-seg.py',
        teacher='mmkd::mmseg/tiny/pspnet_r34_tiny-seg.py',
        layer='decode_head.conv_seg',
        loss=dict(type='ChannelWiseDivergence', tau=1.0),
        batch=seg_batch,
        own={'student.decode.loss_ce', 'student.aux.loss_ce'}),
}


@pytest.mark.parametrize('task', sorted(CASES))
def test_logged_loss_is_the_optimised_sum(task):
    case = CASES[task]
    torch.manual_seed(0)
    algo = MODELS.build(
        dict(
            _scope_='mmkd',
            type='SingleTeacherDistill',
            architecture=dict(cfg_path=case['student']),
            teacher=dict(cfg_path=case['teacher']),
            teacher_ckpt_optional=True,
            distiller=dict(
                type='ConfigurableDistiller',
                student_distill_layer=[case['layer']],
                teacher_distill_layer=[case['layer']],
                loss=[case['loss']]))).train()
    wrapper = OptimWrapper(torch.optim.SGD(algo.parameters(), lr=0.0))
    optimised = []
    update = wrapper.update_params
    wrapper.update_params = lambda loss, **kw: (optimised.append(loss.detach(
    ).clone()), update(loss, **kw))[1]
    log_vars = algo.train_step(case['batch'](), optim_wrapper=wrapper)

    assert len(optimised) == 1
    assert log_vars['loss'] == optimised[0].item()
    parts = {k: v for k, v in log_vars.items() if k != 'loss'}
    assert case['own'] <= set(parts)
    assert all(k.startswith(('student.', 'distill.')) for k in parts), parts
    assert any(k.startswith('distill.') for k in parts)
    summed = sum(v for k, v in parts.items() if 'loss' in k)
    assert abs(log_vars['loss'] - summed) <= 1e-6 * max(1.0, abs(summed))
