"""Run a network once and note every module's output shapes."""
import weakref
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

Shape = Tuple[int, ...]


def flatten_output(obj, label: str = '', depth: int = 0) -> List[tuple]:
    """``[(label, shape or type name)]``: a tensor is one entry, a
    tuple/list/dict one per element (``[0]``, ``[1][2]``, ``['key']``)."""
    import torch
    if isinstance(obj, torch.Tensor):
        return [(label, tuple(obj.shape))]
    if isinstance(obj, (list, tuple)) and obj and depth < 3:
        out = []
        for i, item in enumerate(obj):
            out += flatten_output(item, f'{label}[{i}]', depth + 1)
        return out
    if isinstance(obj, dict) and obj and depth < 3:
        out = []
        for key, item in obj.items():
            out += flatten_output(item, f'{label}[{key!r}]', depth + 1)
        return out
    if isinstance(obj, (list, tuple)):
        return [(label, f'{type(obj).__name__} of {len(obj)}')]
    return [(label, type(obj).__name__)]


@dataclass
class ModuleRecord:
    """What one module's forward gave (first call) and how often it ran."""
    name: str
    type_name: str
    order: int
    outputs: List[tuple]
    ref: Any = None  # weakref to a single tensor output
    inputs: List[tuple] = field(default_factory=list)
    calls: int = 1

    @property
    def tensor_shape(self) -> Optional[Shape]:
        """The shape of a single tensor output."""
        if len(self.outputs) == 1 and self.outputs[0][0] == '' and \
                isinstance(self.outputs[0][1], tuple):
            return self.outputs[0][1]
        return None

    @property
    def level_shapes(self) -> Optional[List[Shape]]:
        """The shapes of a tuple/list of 4-D tensors (one per level)."""
        shapes = [shape for _, shape in self.outputs]
        labels = [label for label, _ in self.outputs]
        if len(shapes) >= 2 and labels == [f'[{i}]'
                                           for i in range(len(shapes))] \
                and all(isinstance(s, tuple) and len(s) == 4
                        for s in shapes):
            return shapes
        return None


@dataclass
class ModelRun:
    """The shapes one forward produced."""
    role: str
    model: Any
    input_shape: Shape
    records: Dict[str, ModuleRecord]
    output: List[tuple]
    logits: Optional[str] = None  # module whose output is the model's

    def stride(self, shape) -> Optional[int]:
        """Input height / map height for a 4-D map of this batch."""
        if not isinstance(shape, tuple) or len(shape) != 4 or \
                shape[0] != self.input_shape[0] or shape[2] < 1:
            return None
        return max(1, round(self.input_shape[2] / shape[2]))


def run_model(model, role: str, inputs, data_samples) -> ModelRun:
    """Forward once in ``'tensor'`` mode with a hook on every module; the
    hooks are removed whatever happens."""
    import torch
    records: Dict[str, ModuleRecord] = {}
    counter = [0]

    def hook(name):

        def record(module, args, output):
            counter[0] += 1
            if name in records:
                records[name].calls += 1
                return
            ref = weakref.ref(output) if isinstance(output,
                                                    torch.Tensor) else None
            records[name] = ModuleRecord(name,
                                         type(module).__name__, counter[0],
                                         flatten_output(output), ref,
                                         flatten_output(args))

        return record

    handles = [
        module.register_forward_hook(hook(name))
        for name, module in model.named_modules()
        if name and not name.startswith('data_preprocessor')
    ]
    try:
        with torch.no_grad():
            output = model(inputs, data_samples, mode='tensor')
    except Exception as err:
        raise RuntimeError(
            f"The {role}'s forward in 'tensor' mode failed on inputs "
            f'{tuple(inputs.shape)}: {type(err).__name__}: {err}') from err
    finally:
        for handle in handles:
            handle.remove()
    run = ModelRun(role, model, tuple(inputs.shape), records,
                   flatten_output(output))
    if isinstance(output, torch.Tensor):
        hits = [
            r.name for r in records.values()
            if r.ref is not None and r.ref() is output
        ]
        if hits:
            run.logits = max(hits, key=lambda n: n.count('.'))
    for record in records.values():
        record.ref = None
    return run
