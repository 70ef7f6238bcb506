"""mmkd's registry nodes.

Every node is a child of the matching root registry in MMEngine, so configs
with ``default_scope='mmkd'`` find mmkd's modules first, fall back to
MMEngine's (and mmcv's, which registers into MMEngine's roots), and reach other
OpenMMLab projects with a scope prefix such as ``type='mmdet.RetinaNet'`` or
``type='mmseg.EncoderDecoder'``. ``locations`` lets a registry import the
modules that register into it the first time it is used.

Building in the ``mmdet`` or ``mmseg`` scope (``_scope_='mmdet'``,
``type='mmdet.RetinaNet'`` or a default scope of ``mmdet``) first checks
that mmcv has its compiled ops and that the task's packages are installed
(:func:`mmkd.utils.dependency.check_task_dependencies`), so a missing piece
is reported with its fix instead of an ImportError deep inside mmdet.
"""
from contextlib import contextmanager
from typing import Iterator, Optional

from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import INFERENCERS as MMENGINE_INFERENCERS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import \
    RUNNER_CONSTRUCTORS as MMENGINE_RUNNER_CONSTRUCTORS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import \
    WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import DefaultScope
from mmengine.registry import Registry as MMEngineRegistry

from mmkd.utils.dependency import check_task_dependencies

__all__ = [
    'RUNNERS', 'RUNNER_CONSTRUCTORS', 'LOOPS', 'HOOKS', 'LOG_PROCESSORS',
    'OPTIMIZERS', 'OPTIM_WRAPPERS', 'OPTIM_WRAPPER_CONSTRUCTORS',
    'PARAM_SCHEDULERS', 'DATASETS', 'DATA_SAMPLERS', 'TRANSFORMS', 'MODELS',
    'MODEL_WRAPPERS', 'WEIGHT_INITIALIZERS', 'TASK_UTILS', 'METRICS',
    'EVALUATOR', 'VISUALIZERS', 'VISBACKENDS', 'INFERENCERS', 'FUNCTIONS'
]


class Registry(MMEngineRegistry):
    """MMEngine's registry that checks a task's dependencies before it
    builds in that task's scope (``mmdet``, ``mmseg``)."""

    @contextmanager
    def switch_scope_and_registry(
            self, scope: Optional[str]) -> Iterator[MMEngineRegistry]:
        name = scope
        if name is None:
            default = DefaultScope.get_current_instance()
            name = default.scope_name if default is not None else None
        if name is not None:
            check_task_dependencies(name)
        with super().switch_scope_and_registry(scope) as registry:
            yield registry

    def get(self, key: str):
        if isinstance(key, str) and '.' in key:  # 'mmdet.RetinaNet'
            check_task_dependencies(key.split('.', 1)[0])
        return super().get(key)


# manage the training process
RUNNERS = Registry(
    'runner', parent=MMENGINE_RUNNERS, locations=['mmkd.engine'])
RUNNER_CONSTRUCTORS = Registry(
    'runner constructor',
    parent=MMENGINE_RUNNER_CONSTRUCTORS,
    locations=['mmkd.engine'])
LOOPS = Registry('loop', parent=MMENGINE_LOOPS, locations=['mmkd.engine'])
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, locations=['mmkd.engine'])
LOG_PROCESSORS = Registry(
    'log processor', parent=MMENGINE_LOG_PROCESSORS, locations=['mmkd.engine'])

# optimization
OPTIMIZERS = Registry(
    'optimizer', parent=MMENGINE_OPTIMIZERS, locations=['mmkd.engine'])
OPTIM_WRAPPERS = Registry(
    'optim_wrapper', parent=MMENGINE_OPTIM_WRAPPERS, locations=['mmkd.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor',
    parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS,
    locations=['mmkd.engine'])
PARAM_SCHEDULERS = Registry(
    'parameter scheduler',
    parent=MMENGINE_PARAM_SCHEDULERS,
    locations=['mmkd.engine'])

# data
DATASETS = Registry(
    'dataset', parent=MMENGINE_DATASETS, locations=['mmkd.datasets'])
DATA_SAMPLERS = Registry(
    'data sampler', parent=MMENGINE_DATA_SAMPLERS, locations=['mmkd.datasets'])
TRANSFORMS = Registry(
    'transform', parent=MMENGINE_TRANSFORMS, locations=['mmkd.datasets'])

# models: students, teachers, algorithms, distillers, recorders, connectors
# and losses all live in MODELS
MODELS = Registry('model', parent=MMENGINE_MODELS, locations=['mmkd.models'])
MODEL_WRAPPERS = Registry(
    'model_wrapper', parent=MMENGINE_MODEL_WRAPPERS, locations=['mmkd.models'])
WEIGHT_INITIALIZERS = Registry(
    'weight initializer',
    parent=MMENGINE_WEIGHT_INITIALIZERS,
    locations=['mmkd.models'])
TASK_UTILS = Registry(
    'task util', parent=MMENGINE_TASK_UTILS, locations=['mmkd.models'])

# evaluation and visualization
METRICS = Registry(
    'metric', parent=MMENGINE_METRICS, locations=['mmkd.evaluation'])
EVALUATOR = Registry(
    'evaluator', parent=MMENGINE_EVALUATOR, locations=['mmkd.evaluation'])
VISUALIZERS = Registry(
    'visualizer', parent=MMENGINE_VISUALIZERS, locations=['mmkd.engine'])
VISBACKENDS = Registry(
    'vis_backend', parent=MMENGINE_VISBACKENDS, locations=['mmkd.engine'])

INFERENCERS = Registry(
    'inferencer', parent=MMENGINE_INFERENCERS, locations=['mmkd.apis'])
FUNCTIONS = Registry(
    'function', parent=MMENGINE_FUNCTIONS, locations=['mmkd.models'])
