"""The printed listing: modules with shapes and marks, the distillation,
the suggestions."""
from typing import Dict, List, Optional, Sequence, Tuple

from mmkd.models.losses import Pairing
from .edges import DistillRecorders, Endpoint, LossEdge, _module_of
from .recording import ModelRun
from .suggest import Suggestion, format_cfg, snippet


def fmt_shape(shape) -> str:
    if isinstance(shape, tuple):
        return '(' + ', '.join(str(s) for s in shape) + ')'
    if isinstance(shape, list):
        return '[' + ', '.join(fmt_shape(s) for s in shape) + ']'
    return str(shape)


def _channels(shape) -> str:
    return str(shape[1]) if isinstance(shape, tuple) and len(shape) >= 2 \
        else ''


def marks_by_module(edges: List[LossEdge], recorders: DistillRecorders,
                    side: str) -> Dict[str, List[str]]:
    """``{module name: ['loss_x', ...]}`` for the marks in the listing."""
    marks: Dict[str, List[str]] = {}
    for (s, name), cfg in recorders.cfgs.items():
        module = _module_of(cfg)
        if s != side or module is None:
            continue
        kind = cfg.get('type', 'ModuleOutputs')
        users = [
            e.name for e in edges
            for p in (e.students if side == 'student' else e.teachers)
            if p.recorder == name
        ] or ['(no loss reads it)']
        what = '' if kind == 'ModuleOutputs' else (
            ' inputs' if kind == 'ModuleInputs' else
            f' .{cfg["source"].rsplit(".", 1)[1]}()')
        marks.setdefault(module, []).append(f'{"/".join(users)}{what}')
    return marks


def print_modules(
    run: ModelRun,
    depth: int,
    marks: Dict[str, List[str]],
    suggested: Sequence[str] = (),
    input_names: Sequence[str] = ()
) -> None:
    model = run.model
    params = sum(p.numel() for p in model.parameters()) / 1e6
    print(f'\n{run.role}: {type(model).__name__} ({params:.2f} M parameters)'
          f', input {fmt_shape(run.input_shape)}, output ' +
          ', '.join(fmt_shape(s) for _, s in run.output[:4]) +
          (' ...' if len(run.output) > 4 else ''))
    names = [
        n for n, _ in model.named_modules()
        if n and not n.startswith('data_preprocessor') and (
            n.count('.') < depth or n in marks or n in suggested)
    ]
    width = min(max([len(n) for n in names] + [6]) + 2, 48)
    print(f'  {"module":<{width}}{"type":<22}{"output":<28}{"C":>5}'
          f'{"stride":>7}')
    for name in names:
        rec = run.records.get(name)
        star = '*' if name in marks else ('+' if name in suggested else ' ')
        type_name = type(model.get_submodule(name)).__name__
        if rec is None:
            ran_inside = any(k.startswith(name + '.') for k in run.records)
            what = ('no hook fired (called as .forward()); its submodules '
                    'ran' if ran_inside else 'did not run')
            mark = '  <- ' + ', '.join(marks[name]) if name in marks else ''
            print(f'{star} {name:<{width}}{type_name[:21]:<22}-- {what}'
                  f'{mark}')
            continue
        extra = f'  x{rec.calls} calls' if rec.calls > 1 else ''
        if name in marks:
            extra += '  <- ' + ', '.join(marks[name])
        rows = rec.outputs
        shown = rows[:8]
        for i, (label, shape) in enumerate(shown):
            text = f'{label} {fmt_shape(shape)}'.strip()
            stride = run.stride(shape)
            head = f'{star} {name:<{width}}{type_name[:21]:<22}' if i == 0 \
                else ' ' * (width + 24)
            print(f'{head}{text:<28}{_channels(shape):>5}'
                  f'{(str(stride) if stride else ""):>7}'
                  f'{extra if i == 0 else ""}')
        if len(rows) > len(shown):
            print(' ' * (width + 24) + f'... {len(rows) - len(shown)} more')
        if name in input_names:
            print(' ' * (width + 24) + 'inputs: ' +
                  ', '.join(f'{lbl} {fmt_shape(s)}'.strip()
                            for lbl, s in rec.inputs[:4]))


def _endpoint_text(point: Endpoint) -> str:
    picks = ''
    if point.record_idx:
        picks += f' call {point.record_idx}'
    if point.data_idx is not None:
        picks += f' [{point.data_idx}]'
    source = point.source if point.recorder_type == 'ModuleOutputs' else \
        f'{point.recorder_type}({point.source!r})'
    text = f'{point.side} {source!r}{picks}' if point.recorder_type == \
        'ModuleOutputs' else f'{point.side} {source}{picks}'
    if point.problem:
        return f'{text}: PROBLEM: {point.problem}'
    text += f' {fmt_shape(point.shape)}'
    if point.connector:
        text += f' -> {point.connector} -> {fmt_shape(point.connected)}'
    return text


def print_distillation(edges: List[LossEdge], explicit: dict) -> None:
    print('\nDistilled by the config (explicit form):')
    if not edges:
        print('  no distill losses')
    for edge in edges:
        weight = '' if edge.weight is None else f', weight {edge.weight:g}'
        print(f'  {edge.name} ({edge.type_name}{weight})')
        for point in edge.students + edge.teachers:
            line = _endpoint_text(point)
            connector = explicit['connectors'].get(point.connector)
            if connector:
                line += f'  [{format_cfg(connector)}]'
            print(f'    {line}')
        for other in edge.others:
            print(f'    {other}')
        if edge.note:
            print(f'    {edge.note}')


def print_suggestions(loss: str,
                      cls,
                      rule: Pairing,
                      pairs: List[Suggestion],
                      notes: List[str],
                      models: Optional[Tuple[str, str]] = None) -> None:
    shown = loss if loss == cls.__name__ else f'{loss} ({cls.__name__})'
    print(f'\nSuggested pairs for {shown}: {rule.kind}')
    for pair in pairs:
        s, t = pair.student, pair.teacher
        stride = f'stride {s.stride}' if s.stride else s.kind
        if isinstance(s.stride, tuple):
            stride = 'strides ' + '/'.join(str(x) for x in s.stride)
        need = pair.note or (f'connector {format_cfg(pair.connector)}'
                             if pair.connector else 'no connector')
        print(f'  student {s.label} {fmt_shape(s.shape)}  <->  teacher '
              f'{t.label} {fmt_shape(t.shape)}  ({stride}): {need}')
    for note in notes:
        print(f'  note: {note}')
    if any(not p.note for p in pairs):
        print('\nConfig snippet (compact form; keep the pairs you want):')
        print(snippet(loss, cls, pairs, models))
