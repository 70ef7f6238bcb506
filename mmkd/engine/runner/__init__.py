from .loops import TeacherAheadEpochBasedTrainLoop

__all__ = ['TeacherAheadEpochBasedTrainLoop']
