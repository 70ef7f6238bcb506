"""The base of mmkd's transforms, without mmcv.

mmkd's own transforms (``PackClsInputs``, ``RandomCrop``, ...) need nothing
of mmcv's ``BaseTransform`` beyond calling ``transform``, so the core
install (no mmcv) can build the pipelines of configs that use only them.
"""
from abc import ABCMeta, abstractmethod
from typing import Dict, Optional


class BaseTransform(metaclass=ABCMeta):
    """A pipeline step: ``transform(results)`` returns the updated dict (or
    None to drop the sample), as mmcv's ``BaseTransform``."""

    def __call__(self, results: Dict) -> Optional[Dict]:
        return self.transform(results)

    @abstractmethod
    def transform(self, results: Dict) -> Optional[Dict]:
        """Transform ``results``.

        Args:
            results (dict): The sample's fields.

        Returns:
            dict | None: The transformed fields.
        """
