"""Write a tiny synthetic classification set in ImageNet's folder layout.

``<out_dir>/{train,val}/<class>/*.png`` with four classes (coloured shapes
on noise); ``configs/mmpretrain/tiny/`` reads it from ``data/tiny_imagenet``.

Examples:
    python tools/dataset_converters/make_tiny_imagenet.py data/tiny_imagenet
    python tools/dataset_converters/make_tiny_imagenet.py data/tiny_imagenet \
        --num-train 16 --num-val 4 --img-size 32 --seed 0
"""
import argparse
from typing import List, Optional

from tiny_imagenet import make_tiny_imagenet  # next to this file


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command-line arguments (``sys.argv[1:]`` if None)."""
    parser = argparse.ArgumentParser(
        description='Write a tiny synthetic classification set in '
        "ImageNet's folder layout")
    parser.add_argument('out_dir', help='directory to write the dataset to')
    parser.add_argument(
        '--num-train', type=int, default=8, help='training images per class')
    parser.add_argument(
        '--num-val', type=int, default=4, help='validation images per class')
    parser.add_argument(
        '--img-size', type=int, default=32, help='image height and width')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    """Write the dataset and print where it is."""
    args = parse_args(argv)
    root = make_tiny_imagenet(args.out_dir, args.num_train, args.num_val,
                              args.img_size, args.seed)
    print(f'Wrote a tiny ImageNet-layout set ({args.num_train} train, '
          f'{args.num_val} val images per class) to {root}')


if __name__ == '__main__':
    main()
