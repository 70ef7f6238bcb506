"""Hooks and helpers that make a run train the recipe its config declares:
the total batch over any number of processes, the effective recipe in the
log, the init stage of two-stage methods, dataset labels for losses that
sample by class."""
from .recipe_hook import RecipeHook, effective_recipe
from .recipe_init_stage import InitStageHook
from .recipe_labels import DatasetLabelsHook
from .recipe_layout import apply_total_batch_size, launch_world_size

__all__ = [
    'RecipeHook', 'effective_recipe', 'InitStageHook', 'DatasetLabelsHook',
    'apply_total_batch_size', 'launch_world_size'
]
