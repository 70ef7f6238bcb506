"""Install mmkd.

``pip install mmkd`` is the core (torch, MMEngine): the plain-PyTorch
``Distiller``, the CIFAR models, the registries and configs. Extras add the
rest: ``det`` (mmcv with its compiled ops, mmdet), ``seg`` (mmcv,
mmsegmentation), ``cls`` (mmpretrain, timm), ``demo`` (scikit-learn,
matplotlib), ``tests``, ``all``.
mmcv must be built with its ops first (see README.md); pip then keeps it.

``pip install -e .`` links ``configs/``, ``tools/`` and ``demo/`` into
``mmkd/.mim`` and a regular install copies them there, the layout MIM and
MMEngine's ``mmkd::path/to/config.py`` syntax look for. A wheel also puts
``mmkd_config_scope.pth`` into site-packages, which lets MMEngine resolve
``mmkd::`` without importing mmkd (see ``_mmkd_config_scope.py``).
"""
import os
import os.path as osp
import shutil
import sys
from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = osp.dirname(osp.abspath(__file__))
MIM_FOLDERS = ('configs', 'tools', 'demo')
SCOPE_PTH = 'mmkd_config_scope.pth'
# run by Python at start-up; imports nothing but the tiny hook module
SCOPE_PTH_LINE = ("import importlib.util as u; "
                  "u.find_spec('_mmkd_config_scope') and "
                  "__import__('_mmkd_config_scope').install()\n")
# MMEngine reads .mim/model-index.yml before it looks for an mmkd:: config
EMPTY_MODEL_INDEX = ('# no metafiles yet: MMEngine needs this file to '
                     'resolve mmkd:: configs\nImport: []\n')


def read_version() -> str:
    namespace: dict = {}
    with open(osp.join(HERE, 'mmkd', 'version.py')) as f:
        exec(compile(f.read(), 'mmkd/version.py', 'exec'), namespace)
    return namespace['__version__']


def read_requirements(name: str) -> list:
    """Requirement lines of ``requirements/<name>.txt``, following ``-r``."""
    path = osp.join(HERE, 'requirements', name)
    reqs = []
    with open(path) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            if line.startswith('-r '):
                reqs += read_requirements(osp.basename(line[3:].strip()))
            else:
                reqs.append(line)
    return reqs


def extras() -> dict:
    det, seg = read_requirements('det.txt'), read_requirements('seg.txt')
    cls = read_requirements('cls.txt')
    demo, tests = read_requirements('demo.txt'), read_requirements('tests.txt')
    return dict(
        det=det,
        seg=seg,
        cls=cls,
        demo=demo,
        tests=tests,
        all=sorted(set(det + seg + cls + demo + tests)),
        mim=read_requirements('mminstall.txt'))


class BuildPyWithScopePth(build_py):
    """``build_py`` that also writes ``mmkd_config_scope.pth`` at the top
    of the wheel (site-packages once installed)."""

    def run(self) -> None:
        super().run()
        if not self.dry_run:
            with open(osp.join(self.build_lib, SCOPE_PTH), 'w') as f:
                f.write(SCOPE_PTH_LINE)

    def get_outputs(self, include_bytecode=1) -> list:
        return super().get_outputs(include_bytecode) + [
            osp.join(self.build_lib, SCOPE_PTH)
        ]


def add_mim_extension() -> None:
    """Place configs/tools/demo inside the package for MIM and ``mmkd::``."""
    if 'develop' in sys.argv or any('editable' in a for a in sys.argv):
        mode = 'symlink'
    elif {'sdist', 'bdist_wheel', 'build', 'install'} & set(sys.argv):
        mode = 'copy'
    else:
        return
    mim_root = osp.join(HERE, 'mmkd', '.mim')
    os.makedirs(mim_root, exist_ok=True)
    for folder in MIM_FOLDERS:
        src = osp.join(HERE, folder)
        dst = osp.join(mim_root, folder)
        if not osp.exists(src):
            continue
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim_root), dst)
        else:
            shutil.copytree(
                src,
                dst,
                ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
    index = osp.join(mim_root, 'model-index.yml')
    if osp.islink(index) or osp.isfile(index):
        os.remove(index)
    if osp.isfile(osp.join(HERE, 'model-index.yml')):
        shutil.copyfile(osp.join(HERE, 'model-index.yml'), index)
    else:
        with open(index, 'w') as f:
            f.write(EMPTY_MODEL_INDEX)


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='mmkd',
        version=read_version(),
        description='Knowledge distillation toolkit for PyTorch, built on '
        'MMEngine, with mmdet and mmseg support',
        long_description=open(osp.join(HERE, 'README.md')).read(),
        long_description_content_type='text/markdown',
        keywords='knowledge distillation, computer vision, pytorch',
        packages=find_packages(include=('mmkd', 'mmkd.*')),
        py_modules=['_mmkd_config_scope'],
        include_package_data=True,
        package_data={'mmkd': ['.mim/**/*']},
        python_requires='>=3.9',
        license='Apache License 2.0',
        install_requires=read_requirements('runtime.txt'),
        extras_require=extras(),
        cmdclass={'build_py': BuildPyWithScopePth},
        zip_safe=False)
