"""The checks that need a GPU, in one run of about ten minutes at most.

For a machine with Python, torch, torchvision and timm, and no mmcv (mmdet
and mmseg are blocked too: the core path must not need them):

1. checks the imports the core path needs and, with ``--wheels DIR``,
   installs MMEngine (with its requirements) and pytest from the wheels in
   ``DIR``
   (``pip install --no-index --find-links DIR``, no network);
2. runs the tests that skip without CUDA (the teacher ahead on its own CUDA
   stream, the teacher on its own device);
3. times, on resnet56 -> resnet20 KD (``configs/kd/vanilla_kd_r20.py``) on
   random CIFAR-sized images, in interleaved rounds: the student's step
   alone, the sequential distill step, the step with the teacher one batch
   ahead on its own CUDA stream, the step with a bf16 teacher, and the
   cached-KD step (``configs/kd/cached_kd/cached_kd_resnet56_resnet20.py``),
   with the GPU's peak memory of each.

    python tools/analysis_tools/gpu_check.py [--wheels DIR] \\
        [--batch-size 64] [--iters 30]
    python tools/analysis_tools/gpu_check.py --cpu-dry-run

``--cpu-dry-run`` runs the same code on the CPU with mmcv, mmdet and mmseg
blocked, tiny settings and no memory figures (the CUDA tests then skip), to
check the script before a GPU session spends time on it.
"""
import argparse
import importlib
import os.path as osp
import platform
import subprocess
import sys
import time

HERE = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(osp.dirname(HERE))
sys.path.insert(0, ROOT)

BLOCKED = ('mmcv', 'mmdet', 'mmseg')
# what the core path imports: MMEngine and the modules it needs itself
NEEDED = ('torch', 'torchvision', 'numpy', 'mmengine', 'addict', 'yapf',
          'termcolor', 'rich', 'yaml', 'cv2', 'pytest')
CUDA_TESTS = [
    'tests/test_models/test_distill/test_teacher_ahead.py', '-k',
    'cuda_stream or own_device'
]
KD = 'configs/kd/vanilla_kd_r20.py'
CACHED = 'configs/kd/cached_kd/cached_kd_resnet56_resnet20.py'
BLOCK_CODE = ('import sys\n'
              f'for name in {BLOCKED!r}:\n'
              '    sys.modules[name] = None  # import fails: not installed\n')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--wheels',
        help='folder of wheels for pip to '
        'install MMEngine and its requirements from')
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--iters', type=int, default=30)
    parser.add_argument(
        '--cpu-dry-run',
        action='store_true',
        help='run the script on the CPU with tiny settings')
    return parser.parse_args()


def missing_modules():
    missing = []
    for name in NEEDED:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing


def check_imports(wheels):
    missing = missing_modules()
    if missing and wheels:
        print(f'installing mmengine and pytest from {wheels} (missing: '
              f'{missing})')
        subprocess.run([
            sys.executable, '-m', 'pip', 'install', '--no-index',
            '--find-links', wheels, 'mmengine', 'pytest'
        ],
                       check=True)
        importlib.invalidate_caches()
        missing = missing_modules()
    if missing:
        sys.exit(
            f'missing: {", ".join(missing)}. Put their wheels in a folder '
            '(on a machine with network: pip download mmengine==0.10.7 '
            'pytest -d wheels) and pass --wheels wheels.')


def run_cuda_tests() -> int:
    code = BLOCK_CODE + ('import pytest\n'
                         f'sys.exit(pytest.main({CUDA_TESTS + ["-q", "-rs"]!r}'
                         '))\n')
    start = time.time()
    proc = subprocess.run([sys.executable, '-c', code], cwd=ROOT)
    print(f'CUDA tests: exit code {proc.returncode}, '
          f'{time.time() - start:.0f} s')
    return proc.returncode


def benchmark(args, device: str) -> None:
    for name in BLOCKED:  # the core path, as a core install has it
        sys.modules[name] = None
    sys.path.insert(0, HERE)
    import torch
    from distill_benchmark.memory import measure_peak
    from distill_benchmark.report import BenchmarkReport
    from distill_benchmark.stats import MachineLoad, PairedTimings, timed
    from distill_benchmark.steps import AHEAD_STEPS, BenchmarkSteps
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmkd.utils import register_config_scope
    register_config_scope()
    cfg = Config.fromfile(osp.join(ROOT, KD))
    cached_cfg = Config.fromfile(osp.join(ROOT, CACHED))
    if args.cpu_dry_run:  # the code path, not the figures
        for c in (cfg, cached_cfg):
            c.model.architecture.type = 'resnet8'
            c.model.teacher.type = 'resnet14'
    init_default_scope('mmkd')
    bench = BenchmarkSteps(cfg, args.batch_size, (3, 32, 32), device=device)
    bench.add_cached(cached_cfg)
    keep = ('student', 'teacher', 'teacher_as_run', 'mmrazor', 'distill',
            'ahead', 'low', 'cached')
    steps = {k: v for k, v in bench.steps.items() if k in keep}
    for _ in range(3):  # warm-up (the planning forward, cuDNN's choices)
        for fn in steps.values():
            fn()
    timings = PairedTimings(steps)
    for _ in range(args.iters):
        for name, fn in steps.items():
            timings.add(name, timed(fn))
    timings.scale('ahead', AHEAD_STEPS)
    memory = {}
    if device == 'cuda':
        for name in ('student', 'distill', 'ahead', 'low', 'cached'):
            memory[name] = measure_peak(steps[name], bench.settle)
    load = MachineLoad(2)
    name = torch.cuda.get_device_name() if device == 'cuda' else \
        platform.processor() or 'CPU'
    print(f'device: {name}; torch {torch.__version__}')
    report = BenchmarkReport(bench, timings, load, memory, None)
    report.header(KD, torch.get_num_threads(), args.iters)
    report.table()
    report.ratios()
    report.memory_line()
    load.sample()
    report.warnings(args.iters)
    if bench.algo.frozen_teacher.execution._stream is None and \
            device == 'cuda':
        print('WARNING: the teacher-ahead step never used a CUDA stream')


def main():
    args = parse_args()
    if args.cpu_dry_run:
        args.batch_size, args.iters = 4, 2
    start = time.time()
    print(f'Python {platform.python_version()}')
    check_imports(args.wheels)
    import torch
    device = 'cuda' if torch.cuda.is_available() and \
        not args.cpu_dry_run else 'cpu'
    if device == 'cpu' and not args.cpu_dry_run:
        sys.exit('No CUDA device: run with --cpu-dry-run to check the '
                 'script on the CPU.')
    failed = run_cuda_tests()
    benchmark(args, device)
    print(f'gpu_check: {time.time() - start:.0f} s in all' +
          ('; the CUDA tests FAILED' if failed else ''))
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
