"""mmcv's ``RandomFlip`` with its direction recorded or replayed, for the
teacher output cache (``teacher_cache.py``); needs mmcv."""
from mmcv.transforms import RandomFlip

from mmkd.registry import TRANSFORMS
from .teacher_cache import aug_params

#: flip directions by the code a cache stores (0: not flipped)
FLIP_CODES = (None, 'horizontal', 'vertical', 'diagonal')


@TRANSFORMS.register_module()
class RecordedRandomFlip(RandomFlip):
    """mmcv's ``RandomFlip`` whose direction is recorded or replayed.

    The direction is kept as ``results['aug_params'][param_key]``, a code
    into ``(None, 'horizontal', 'vertical', 'diagonal')`` (0: no flip).

    Args:
        param_key (str): Name of the recorded field. Defaults to ``'flip'``.
        **kwargs: The arguments of mmcv's ``RandomFlip`` (``prob``,
            ``direction``, ``swap_seg_labels``).
    """

    def __init__(self, *args, param_key: str = 'flip', **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.param_key = param_key
        self.aug_param_fields = ((param_key, 'i1'), )

    def _flip_on_direction(self, results: dict) -> None:
        params = aug_params(results)
        if self.param_key in params:
            code = int(params[self.param_key])
            if not 0 <= code < len(FLIP_CODES):
                raise ValueError(f'{type(self).__name__}: replayed flip code '
                                 f'{code} is not one of 0..3.')
            direction = FLIP_CODES[code]
        else:
            direction = self._choose_direction()
            params[self.param_key] = FLIP_CODES.index(direction)
        results['flip'] = direction is not None
        results['flip_direction'] = direction
        if direction is not None:
            self._flip(results)

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f', param_key={self.param_key!r})'
