from .classifiers import *  # noqa: F401,F403
