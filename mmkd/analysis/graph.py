"""A picture of the distillation graph."""
import math
from typing import Dict, List, Optional, Sequence

from .edges import Endpoint, LossEdge
from .recording import ModelRun
from .report import fmt_shape
from .suggest import Suggestion

NOT_RUN = "did not run ('tensor' mode)"
# characters of 7-point monospace that fit a box (0.24 of a 13-inch figure)
BOX_CHARS = 52


def _fit(label: str, chars: int = BOX_CHARS) -> str:
    """Each line of ``label`` cut to ``chars`` (the middle of a long module
    name gives way)."""
    lines = []
    for line in label.split('\n'):
        if len(line) > chars:
            keep = chars - 3
            line = line[:keep // 2] + '...' + line[len(line) - keep +
                                                   keep // 2:]
        lines.append(line)
    return '\n'.join(lines)


def _graph_boxes(run: ModelRun, extra: Sequence[str]) -> List[tuple]:
    """``(module name, label, indent)`` per box: the top-level modules that
    ran, in the order they finished, each followed by the deeper recorded
    layers inside it."""
    finished: Dict[str, int] = {}  # top-level name: when it (or, for a
    # module called as .forward(), its last child) finished
    for rec in run.records.values():
        top = rec.name.split('.')[0]
        finished[top] = max(finished.get(top, 0), rec.order)
    boxes = []
    for top in sorted(finished, key=finished.get):
        boxes.append((top, _box_label(run, top), 0))
        inner = sorted(
            (n for n in set(extra) if n.split('.')[0] == top and n != top),
            key=lambda n: run.records[n].order
            if n in run.records else math.inf)
        boxes += [(n, _box_label(run, n), 1) for n in inner]
    known = {b[0] for b in boxes}
    boxes += [(n, _box_label(run, n), 0) for n in extra if n not in known]
    # the modules the 'tensor' forward never reached (heads used only for
    # losses or predictions): shown, marked
    boxes += [(name, f'{name}  {type(module).__name__}\n{NOT_RUN}', 0)
              for name, module in run.model.named_children()
              if name not in finished and name != 'data_preprocessor']
    return boxes


def _box_label(run: ModelRun, name: str) -> str:
    rec = run.records.get(name)
    if rec is None:
        module = run.model.get_submodule(name)
        return f'{name}  {type(module).__name__}\n(called as .forward())'
    levels = rec.level_shapes
    if levels:
        chans = sorted({s[1] for s in levels})
        strides = '/'.join(str(run.stride(s)) for s in levels)
        return (f'{name}  {rec.type_name}\n{len(levels)} levels, C='
                f'{"/".join(map(str, chans))}, stride {strides}')
    shape = rec.tensor_shape
    if shape is not None:
        return f'{name}  {rec.type_name}\n{fmt_shape(shape)}'
    return f'{name}  {rec.type_name}\n{len(rec.outputs)} output tensors'


def draw_graph(path: str, student: ModelRun, teacher: ModelRun,
               edges: List[LossEdge], explicit: dict,
               suggestions: List[Suggestion],
               loss_name: Optional[str]) -> None:
    """Student and teacher stages side by side, the recorded tensors, the
    connectors and the losses with their weights."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    links = []  # (student module, connector label, loss label, teacher
    #             module, style)
    for edge in edges:
        weight = '' if edge.weight is None else f'\nweight {edge.weight:g}'
        label = f'{edge.name}\n{edge.type_name}{weight}'
        for s in edge.students or [None]:
            for t in edge.teachers or [None]:
                conn = None
                if s is not None and s.connector:
                    cfg = explicit['connectors'].get(s.connector) or {}
                    conn = f'{s.connector}\n{cfg.get("type", "?")}' + (
                        f'\n-> {fmt_shape(s.connected)}'
                        if s.connected is not None else '')
                t_text = _shape_text(t)
                if t is not None and t.connector and t_text:
                    t_text += f' via {t.connector}'
                links.append(
                    (s.module if s else None, conn, label,
                     t.module if t else None, '-', _shape_text(s), t_text))
    if not edges:
        for pair in suggestions:
            if pair.note:
                continue
            conn = pair.connector and (
                pair.connector['type'] + '\n' +
                ', '.join(f'{k}={v}'
                          for k, v in pair.connector.items() if k != 'type'))
            links.append((pair.student.name, conn, f'{loss_name}\n(suggested)',
                          pair.teacher.name, '--', pair.student.label,
                          pair.teacher.label))

    s_boxes = _graph_boxes(student, [lk[0] for lk in links if lk[0]])
    t_boxes = _graph_boxes(teacher, [lk[3] for lk in links if lk[3]])
    rows = max(len(s_boxes), len(t_boxes), len(links), 1)
    fig_h = 1.4 + 0.62 * rows
    fig, ax = plt.subplots(figsize=(13, fig_h))
    ax.set_xlim(0, 1)
    ax.set_ylim(rows + 0.2, -1.0)
    ax.axis('off')
    s_x, t_x, c_x, l_x, box_w = 0.02, 0.74, 0.30, 0.50, 0.24
    recorded_s = {lk[0] for lk in links}
    recorded_t = {lk[3] for lk in links}

    def place(boxes, x, recorded, title):
        ax.text(
            x + box_w / 2,
            -0.6,
            title,
            ha='center',
            va='center',
            fontsize=11,
            weight='bold')
        pos = {}
        for i, (name, label, indent) in enumerate(boxes):
            y = i * rows / max(len(boxes), 1) + 0.1
            bx = x + 0.02 * indent
            color = '#f6c177' if name in recorded else '#dfe7f2'
            idle = label.endswith(NOT_RUN)
            ax.add_patch(
                FancyBboxPatch((bx, y),
                               box_w - 0.02 * indent,
                               0.7,
                               boxstyle='round,pad=0.005',
                               fc='#f2f2f2' if idle else color,
                               ec='#999999' if idle else '#555555',
                               lw=0.8,
                               ls='--' if idle else '-'))
            ax.text(
                bx + 0.008,
                y + 0.35,
                _fit(label, BOX_CHARS - 2 * indent),
                va='center',
                fontsize=7,
                family='monospace',
                color='#777777' if idle else 'black')
            pos[name] = (bx, y + 0.35, box_w - 0.02 * indent)
        return pos

    s_pos = place(s_boxes, s_x, recorded_s,
                  f'student: {type(student.model).__name__}')
    t_pos = place(t_boxes, t_x, recorded_t,
                  f'teacher: {type(teacher.model).__name__}')
    ax.text(
        l_x + 0.06,
        -0.6,
        'connectors and losses',
        ha='center',
        va='center',
        fontsize=11,
        weight='bold')

    def arrow(start, end, style, text=None):
        ax.annotate(
            '',
            xy=end,
            xytext=start,
            arrowprops=dict(
                arrowstyle='->', lw=0.9, ls=style, color='#444444'))
        if text:  # the recorded shape, on the arrow near the loss it
            # reaches: arrows that leave one box (per-level pairs) end at
            # different losses, so their labels do not pile up
            left = start[0] < end[0]
            x = end[0] + (-0.012 if left else 0.012)
            y = end[1] + (start[1] - end[1]) * 0.012 / max(
                abs(end[0] - start[0]), 1e-6) - 0.08
            ax.text(
                x,
                y,
                text,
                fontsize=6,
                ha='right' if left else 'left',
                va='bottom',
                color='#333333',
                bbox=dict(fc='white', ec='none', pad=0.5))

    # losses: near their inputs, at least one row apart
    wanted = []
    for lk in links:
        ys = [p[1] for p in (s_pos.get(lk[0]), t_pos.get(lk[3])) if p]
        wanted.append(sum(ys) / len(ys) if ys else 0.5)
    order = sorted(range(len(links)), key=lambda i: wanted[i])
    placed, last = {}, -math.inf
    for i in order:
        y = max(wanted[i], last + 0.85, 0.45)
        placed[i] = last = y
    ax.set_ylim(max([rows + 0.2] + [y + 0.6 for y in placed.values()]), -1.0)
    for i, lk in enumerate(links):
        s_mod, conn, label, t_mod, style, s_text, t_text = lk
        y = placed[i]
        ax.add_patch(
            FancyBboxPatch((l_x, y - 0.3),
                           0.16,
                           0.6,
                           boxstyle='round,pad=0.005',
                           fc='#e8d5f2',
                           ec='#555555',
                           lw=0.8))
        ax.text(l_x + 0.08, y, label, ha='center', va='center', fontsize=7)
        target = (l_x, y)
        if conn:
            ax.add_patch(
                FancyBboxPatch((c_x, y - 0.3),
                               0.14,
                               0.6,
                               boxstyle='round,pad=0.005',
                               fc='#cfe8cf',
                               ec='#555555',
                               lw=0.8))
            ax.text(
                c_x + 0.07, y, conn, ha='center', va='center', fontsize=6.5)
            arrow((c_x + 0.14, y), target, style)
            target = (c_x, y)
        if s_mod in s_pos:
            bx, by, bw = s_pos[s_mod]
            arrow((bx + bw, by), target, style, s_text)
        if t_mod in t_pos:
            bx, by, _ = t_pos[t_mod]
            arrow((bx, by), (l_x + 0.16, y), style, t_text)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _shape_text(point: Optional[Endpoint]) -> Optional[str]:
    if point is None or point.problem:
        return None
    if isinstance(point.shape, list):
        return f'{_count_tensors(point.shape)} tensors'
    return fmt_shape(point.shape)


def _count_tensors(shape) -> int:
    if isinstance(shape, list):
        return sum(_count_tensors(s) for s in shape)
    return int(isinstance(shape, tuple))
