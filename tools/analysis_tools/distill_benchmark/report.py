"""The distillation benchmark's printed report, with what its figures mean."""
from typing import Dict, Optional

from .stats import MachineLoad, PairedTimings, rounds_warning
from .steps import AHEAD_STEPS, BenchmarkSteps

ROWS = (
    ('student train step alone', 'student'),
    ('teacher forward, loss mode (full)', 'teacher_loss'),
    ('teacher forward, tensor mode (full)', 'teacher'),
    ('teacher forward as distill runs it', 'teacher_as_run'),
    ('MMRazor-style step (teacher in loss mode)', 'mmrazor'),
    ('distill step', 'distill'),
    (f'distill step, teacher ahead ({AHEAD_STEPS}-step run)', 'ahead'),
    ('distill step, bf16 teacher', 'low'),
    ('cached KD step (teacher output cache)', 'cached'),
    ('teacher ahead, micro-batches of {micro}', 'ahead_micro'),
    ('student train step alone, 2x threads', 'student_wide'),
    ('MMRazor-style step, 2x threads', 'mmrazor_wide'),
    ('distill step, 2x threads', 'distill_wide'),
)

# what the memory line's keys are
MEMORY_KEYS = (('distill', 'distill'), ('ahead', 'ahead'),
               ('low', 'bf16 teacher'), ('ahead_micro', 'ahead micro'))


class BenchmarkReport:
    """Prints the benchmark's table and the lines that explain it.

    Args:
        bench (BenchmarkSteps): The steps that were timed.
        timings (PairedTimings): Their times, round by round.
        load (MachineLoad): The machine's load while they ran.
        memory (dict): Peak MiB per step (empty: not measured).
        micro_batch (int, optional): The micro-batch size timed, if any.
    """

    def __init__(self, bench: BenchmarkSteps, timings: PairedTimings,
                 load: MachineLoad, memory: Dict[str, float],
                 micro_batch: Optional[int]) -> None:
        self.bench, self.t, self.load = bench, timings, load
        self.memory, self.micro_batch = memory, micro_batch

    def header(self, config: str, threads: int, rounds: int) -> None:
        inputs = self.bench.inputs
        print(f'config: {config}')
        print(f'batch {inputs.shape[0]} ({self.bench.source}, inputs '
              f'{tuple(inputs.shape)}), {threads} thread(s) per side, '
              f'{rounds} interleaved rounds, {self.load.text()}')
        print('The teacher is random (no checkpoint is loaded; times and '
              'memory do not depend on its weights), so the distill losses '
              'printed below are those of a random teacher: large values '
              '(VID\'s about 4e4) are expected and say nothing about '
              'training.')

    def table(self) -> None:
        t, memory = self.t, self.memory
        print('ms: median over the rounds; x student: the ratio to the '
              'student step taken within each round, median '
              '[first-third quartile]')
        print(f'| {"measurement":<42} | {"ms":>9} | '
              f'{"x student [spread]":>23} | {"peak MiB":>8} |')
        print(f'|{"-" * 44}|{"-" * 11}|{"-" * 25}|{"-" * 10}|')
        for label, key in ROWS:
            if key not in t:
                continue
            label = label.format(micro=self.micro_batch)
            mem = f'{memory[key]:8.1f}' if key in memory else f'{"-":>8}'
            print(f'| {label:<42} | {t.ms(key):9.2f} | '
                  f'{t.ratio_text(key, "student"):>23} | {mem} |')

    def ratios(self) -> None:
        t = self.t
        cost = t.ms('distill') / (t.ms('student') + t.ms('teacher'))
        print(f'relative cost = distill / (student + teacher) = {cost:.3f}')
        as_run = t.ms('distill') / (t.ms('student') + t.ms('teacher_as_run'))
        print('relative cost vs teacher as run = distill / (student + '
              f'teacher as run) = {as_run:.3f}')
        print('speed-up over the MMRazor-style step = '
              f'{t.ms("mmrazor") / t.ms("distill"):.3f} (sequential), '
              f'{t.ms("mmrazor") / t.ms("ahead"):.3f} (teacher ahead)' +
              ('; with the same cores (2x threads for the MMRazor-style '
               f'step): {t.ms("mmrazor_wide") / t.ms("ahead"):.3f}'
               if 'mmrazor_wide' in t else ''))
        if 'ahead' in t:
            longer = max(t.ms('teacher_as_run'), t.ms('student'))
            ideal = (longer + min(t.ms('teacher_as_run'), t.ms('student')) /
                     AHEAD_STEPS) / longer
            print(f'teacher ahead / the longer side (teacher as run or '
                  f'student) = {t.ms("ahead") / longer:.3f}; a perfect '
                  f'overlap gives {ideal:.3f} over a {AHEAD_STEPS}-step run '
                  '(its first step runs teacher and student in turn: one '
                  'epoch of N steps pays that once); the rest is what the '
                  "two threads cost each other (cores' caches and memory "
                  'bandwidth, the allocator)')
        print('teacher as run / full forward = '
              f'{t.ms("teacher_as_run") / t.ms("teacher"):.3f} (under 1 '
              'when the teacher stops after its last record; it can exceed '
              '1 when that record is near the end, since running as distill '
              'does adds the recorders\' hooks and copies, the early-exit '
              'hook and the precision context to the full forward, and '
              'within the spread of noise)')

    def memory_line(self) -> None:
        memory, teacher = self.memory, self.bench.teacher
        if not memory:
            return
        weights = sum(
            t.numel() * t.element_size()
            for t in [*teacher.parameters(), *teacher.buffers()]) / 2**20
        print('peak memory over the student step: ' +
              ', '.join(f'{label} {memory[key] / memory["student"]:.3f}x'
                        for key, label in MEMORY_KEYS if key in memory) +
              ' (in the steady state: the first step, which runs the whole '
              'teacher once to plan where it stops, is left out; bf16 '
              'teacher: the distill step with the teacher in bfloat16; the '
              f'teacher\'s weights, {weights:.1f} MiB, are not counted: '
              'they are in every step\'s baseline)')

    def teacher_lines(self, skipped, mmrazor_skipped, low_problem) -> None:
        bench = self.bench
        if bench.ahead_problem:
            print('the teacher could not run ahead: '
                  f'{bench.ahead_problem[0]}')
        print('teacher modules never run in distill steps: ' +
              (', '.join(skipped) if skipped else 'none'))
        print('teacher modules never run in MMRazor-style steps: ' +
              (', '.join(mmrazor_skipped) if mmrazor_skipped else 'none'))
        if low_problem is not None:
            print(f'the bf16 teacher could not run: {low_problem}')
            return
        want = bench.distill_losses(bench.algo)
        got = bench.distill_losses(bench.low)
        print('distill losses with the bf16 teacher: ' +
              ', '.join(f'{k} {got[k]:.4g} vs {v:.4g} '
                        f'({(got[k] - v) / abs(v) * 100:+.2f}%)'
                        if v else f'{k} {got[k]:.4g} vs 0'
                        for k, v in want.items()))

    def loader_line(self, loader) -> None:
        if loader is None:
            print('data loader: not measured (the data set is not on disk)')
        else:
            print(f'data loader: {loader[0]:.1f} ms per batch alone, '
                  f'{loader[1]:.1f} ms per iteration with the distill step '
                  f'(loading is {loader[0] / loader[1] * 100:.0f}% of it '
                  'in the main process; see benchmark_real_loop.py for what '
                  'num_workers leaves of it in a real run)')

    def warnings(self, rounds: int) -> None:
        for warning in (rounds_warning(rounds), self.load.warning()):
            if warning:
                print(warning)
