"""Print the ATEN_CPU_CAPABILITY under which torch runs kernels other than
its default ones on this CPU: ``avx2`` where it picks AVX512 kernels,
``default`` (no vector extensions) otherwise.

CI reruns the numerically sensitive tests under it (``make
test-numeric-other-kernels``), so that a tolerance that only holds for one
CPU's kernels fails on any machine.
"""
import os

if __name__ == '__main__':
    os.environ.pop('ATEN_CPU_CAPABILITY', None)
    import torch

    capability = torch.backends.cpu.get_cpu_capability()
    print('avx2' if capability.startswith('AVX512') else 'default')
