"""The pieces of ``benchmark_distill.py`` and ``benchmark_real_loop.py``:
paired timing statistics and the machine's load (:mod:`.stats`), the steps
timed (:mod:`.steps`), peak memory (:mod:`.memory`) and the printed report
(:mod:`.report`)."""
