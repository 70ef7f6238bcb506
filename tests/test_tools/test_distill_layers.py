"""tools/analysis_tools/distill_layers.py, run as a user runs it: the
modules and shapes of student and teacher, the distilled layers marked, the
pairs and connectors suggested for a loss, the graph picture and clear
errors."""
import os.path as osp
import re
import sys

import pytest
from tool_utils import REPO, run_tool

TOOL = 'tools/analysis_tools/distill_layers.py'


def finder(*args, check=True):
    return run_tool([sys.executable, TOOL, *args], check=check, timeout=300)


def snippet(stdout):
    """The printed config snippet, executed: the ``model`` dict."""
    text = stdout.split('Config snippet', 1)[1].split('\n', 1)[1]
    namespace = {}
    exec(text.split('\n\n')[0], namespace)
    return namespace['model']


def row(stdout, section, name):
    """The listing's line for module ``name`` under ``section``."""
    part = stdout.split(f'\n{section}: ', 1)[1]
    return next(line for line in part.splitlines()
                if line[2:].split(' ')[0] == name)


def test_cifar_config_marks_distilled_layers_and_draws_the_graph(tmp_path):
    graph = tmp_path / 'fitnet.png'
    # a smaller teacher keeps the run short; its layer2 is 128 channels too
    out = finder(
        'configs/kd/fitnet/'
        'fitnet_resnet32x4_resnet8x4_1xb64-240e_cifar100.py', '--out-graph',
        str(graph), '--cfg-options', 'model.teacher.type=resnet8x4').stdout
    assert 'batch: random images' in out  # no CIFAR data on disk
    student_row = row(out, 'student', 'layer2')
    assert student_row.startswith('* ') and '(2, 128, 16, 16)' in student_row
    assert '<- loss_fitnet' in student_row
    assert row(out, 'teacher', 'layer2').startswith('* ')
    assert not row(out, 'student', 'layer3').startswith('*')
    assert re.search(
        r"student 'layer2' \(2, 128, 16, 16\) -> connector_0 "
        r'-> \(2, 128, 16, 16\)', out)
    assert 'shapes match' in out
    data = graph.read_bytes()
    assert data.startswith(b'\x89PNG') and len(data) > 10_000


def test_cifar_pair_suggests_connectors_for_channel_mismatch():
    out = finder('--student', 'configs/baselines/resnet20_cifar100.py',
                 '--teacher', 'mmkd::baselines/resnet32x4_cifar100.py',
                 '--loss', 'FitNetLoss', '--depth', '1').stdout
    # resnet20's stages are 16/32/64 channels wide, resnet32x4's 64/128/256
    assert re.search(
        r'student layer2 \(2, 32, 16, 16\)  <->  teacher layer2 '
        r"\(2, 128, 16, 16\) .*ConvBNConnector', in_channels=32, "
        'out_channels=128', out)
    assert "LinearEmbedConnector', in_channels=64, out_channels=256" in out
    whole = snippet(out)
    # two model configs: the snippet is the whole distillation model
    assert whole['type'] == 'SingleTeacherDistill'
    assert whole['architecture']['cfg_path'] == osp.join(
        REPO, 'configs', 'baselines', 'resnet20_cifar100.py')
    assert whole['teacher']['cfg_path'] == (
        'mmkd::baselines/resnet32x4_cifar100.py')
    from mmengine.registry import init_default_scope

    from mmkd.registry import MODELS
    init_default_scope('mmkd')
    built = MODELS.build(
        dict(whole, teacher_ckpt=None, teacher_ckpt_optional=True))
    assert type(built).__name__ == 'SingleTeacherDistill'
    model = whole['distiller']
    assert model['student_distill_layer'][:3] == ['layer1', 'layer2', 'layer3']
    assert model['connectors'][0] == dict(
        type='ConvBNConnector', in_channels=16, out_channels=64)
    assert model['loss'] == [dict(type='FitNetLoss')] * 4
    # the suggested layers are marked in the listing
    assert row(out, 'teacher', 'layer3').startswith('+ ')


def test_two_stage_mmdet_pair(tmp_path):
    graph = tmp_path / 'pkd.svg'
    out = finder('configs/mmdet/tiny/pkd_fpn_mask-rcnn_r34-r18_tiny-coco.py',
                 '--loss', 'PKDLoss', '--depth', '1', '--out-graph',
                 str(graph)).stdout
    assert 'inputs (2, 3, 128, 128)' in out
    neck = out.split('\nstudent: MaskRCNN', 1)[1].split('\nteacher:')[0]
    # FPN levels one per line, with channels and stride
    assert re.search(
        r'\* neck +FPN +\[0\] \(2, 64, 32, 32\) +64 +4 +'
        '<- loss_pkd', neck)
    assert re.search(r'\[4\] \(2, 64, 2, 2\) +64 +64', neck)
    assert 'roi_head' in neck  # the second stage ran
    assert re.search(
        r'student neck \[.*\]  <->  teacher neck \[.*\] +'
        r'\(strides 4/8/16/32/64\): no connector', out)
    assert 'loss_pkd (PKDLoss, weight 6)' in out
    assert graph.read_text().lstrip().startswith('<?xml')


def test_mmseg_pair():
    out = finder('configs/mmseg/tiny/cwd_logits_pspnet_r34-r18_tiny-seg.py',
                 '--loss', 'ChannelWiseDivergence', '--depth', '1').stdout
    marked = row(out, 'student', 'decode_head.conv_seg')
    assert marked.startswith('* ') and '(2, 4, 8, 8)' in marked
    assert re.search(
        r'student decode_head.conv_seg \(2, 4, 8, 8\)  <->  '
        r'teacher decode_head.conv_seg \(2, 4, 8, 8\) +'
        r'\(logits\): no connector', out)
    # PSPNet R18 stages are half as wide as R34's
    assert re.search(
        r"student backbone.layer4 .*ConvBNConnector', "
        'in_channels=128, out_channels=256', out)


@pytest.mark.parametrize('args, message', [
    (['configs/kd/no_such_config.py'], 'does not exist'),
    (['configs/baselines/resnet20_cifar100.py'
      ], 'is not a distillation config'),
    (['--student', 'configs/baselines/resnet20_cifar100.py'
      ], '--student and --teacher go together'),
])
def test_clear_errors(args, message):
    proc = finder(*args, check=False)
    assert proc.returncode != 0
    assert message in proc.stderr


def test_real_batch_from_the_config_data():
    # scikit-learn's digits are always on disk: a real batch, 1 x 8 x 8
    out = finder('configs/digits/kd_cnn64x5_cnn8x2_digits.py', '--depth',
                 '1').stdout
    assert 'batch: one batch of val_dataloader, inputs (2, 1, 8, 8)' in out
    assert row(out, 'student', 'linear').startswith('* ')
