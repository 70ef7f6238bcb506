"""Install mmkd.

``pip install -e .`` links ``configs/`` and ``tools/`` into ``mmkd/.mim`` and a
regular install copies them there, the layout MIM and MMEngine's
``mmkd::path/to/config.py`` syntax look for.
"""
import os
import os.path as osp
import shutil
import sys

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))
MIM_FOLDERS = ('configs', 'tools', 'demo')


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
            shutil.copytree(src, dst)


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
        packages=find_packages(exclude=('configs', 'tools', 'demo', 'tests')),
        include_package_data=True,
        package_data={'mmkd': ['.mim/**/*']},
        python_requires='>=3.9',
        license='Apache License 2.0',
        install_requires=read_requirements('runtime.txt'),
        extras_require={
            'all': read_requirements('runtime.txt') +
            read_requirements('mminstall.txt') +
            read_requirements('tests.txt'),
            'tests': read_requirements('tests.txt'),
            'mim': read_requirements('mminstall.txt'),
        },
        zip_safe=False)
