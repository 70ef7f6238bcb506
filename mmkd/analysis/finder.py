"""The layer finder's run: build both networks, run one batch, print
what the config distills and what a loss could pair."""
import os.path as osp

from mmkd.models.distillers import explicit_form
from mmkd.utils import install_safe_checkpoint_loader
from .batch import make_batch
from .config import build_models, load_distill_config
from .edges import DistillRecorders, loss_edges
from .graph import draw_graph
from .recording import run_model
from .report import (fmt_shape, marks_by_module, print_distillation,
                     print_modules, print_suggestions)
from .suggest import candidates, loss_pairing, resolve_loss_type, suggest


def find_layers(args) -> None:
    """Print the layers of the student and the teacher with their shapes,
    the pairs the config distills and, with ``args.loss``, the pairs and
    connectors that loss could use; draw the graph with
    ``args.out_graph``.

    Args:
        args (argparse.Namespace): The command line of
            ``tools/analysis_tools/distill_layers.py``.
    """
    cfg, has_distiller = load_distill_config(args)
    loss_cls = resolve_loss_type(args.loss) if args.loss else None
    rule = loss_pairing(loss_cls) if loss_cls is not None else None

    import torch
    torch.manual_seed(0)
    install_safe_checkpoint_loader()
    explicit = explicit_form(
        cfg.model.get('distiller') if has_distiller else None)
    student, teacher, preprocessor = build_models(cfg)
    inputs, samples, source = make_batch(cfg, student, preprocessor, args)
    print(f'config: {args.config or f"{args.student} + {args.teacher}"}')
    print(f'batch: {source}, inputs {fmt_shape(tuple(inputs.shape))}')

    recorders = DistillRecorders(explicit, student, teacher)
    try:
        runs = {}
        for side, model in (('student', student), ('teacher', teacher)):
            with recorders.recording(side):
                runs[side] = run_model(model, side, inputs, samples)
        edges = loss_edges(explicit, recorders)
    finally:
        recorders.teardown()

    pairs, notes = [], []
    if loss_cls is not None:
        pairs, notes = suggest(rule, candidates(runs['student']),
                               candidates(runs['teacher']))
    for side in ('student', 'teacher'):
        suggested = [getattr(p, side).name for p in pairs]
        print_modules(runs[side], args.depth,
                      marks_by_module(edges, recorders, side), suggested,
                      recorders.module_names(side, 'ModuleInputs'))
    legend = (['* distilled by the config'] if has_distiller else
              []) + ([f'+ suggested for --loss {args.loss}'] if pairs else [])
    if legend:
        print('\n' + ', '.join(legend))
    if recorders.problems:
        print('\nProblems with the distilled layers:')
        for (side, name), problem in recorders.problems.items():
            print(f'  {side} recorder {name!r}: {problem}')
    if has_distiller:
        print_distillation(edges, explicit)
    if loss_cls is not None:
        models = None
        if args.student is not None:  # the snippet is the whole model
            models = tuple(path if '::' in path else osp.abspath(path)
                           for path in (args.student, args.teacher))
        print_suggestions(args.loss, loss_cls, rule, pairs, notes, models)
    if args.out_graph:
        draw_graph(args.out_graph, runs['student'], runs['teacher'], edges,
                   explicit, pairs, args.loss)
        print(f'\ngraph written to {args.out_graph}')
