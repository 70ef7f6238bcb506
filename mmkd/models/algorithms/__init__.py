from .single_teacher_distill import (SingleTeacherDistill,
                                     load_teacher_checkpoint)

__all__ = ['SingleTeacherDistill', 'load_teacher_checkpoint']
