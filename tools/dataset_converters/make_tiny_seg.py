"""Write a tiny synthetic semantic-segmentation dataset.

The output has the layout mmseg's ``BaseSegDataset`` reads
(``img_dir/{train,val}/*.png`` images, ``ann_dir/{train,val}/*.png`` label
maps with class indices, 255 = ignore), with the classes background,
square, circle and triangle; ``configs/mmseg/tiny/`` reads it from
``data/tiny_seg``.

Examples:
    python tools/dataset_converters/make_tiny_seg.py data/tiny_seg
    python tools/dataset_converters/make_tiny_seg.py data/tiny_seg \
        --num-train 64 --num-val 16 --img-size 64 --seed 0
"""
import argparse
from typing import List, Optional

from tiny_seg import make_tiny_seg  # next to this file


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command-line arguments (``sys.argv[1:]`` if None)."""
    parser = argparse.ArgumentParser(
        description='Write a tiny synthetic semantic-segmentation dataset '
        '(squares, circles, triangles on a background) in mmseg\'s layout')
    parser.add_argument('out_dir', help='directory to write the dataset to')
    parser.add_argument(
        '--num-train', type=int, default=8, help='number of training images')
    parser.add_argument(
        '--num-val', type=int, default=4, help='number of validation images')
    parser.add_argument(
        '--img-size', type=int, default=64, help='image height and width')
    parser.add_argument(
        '--max-objects',
        type=int,
        default=3,
        help='maximum number of shapes per image')
    parser.add_argument(
        '--no-ignore-boundary',
        action='store_true',
        help='do not label shape outlines 255 (ignore)')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    """Write the dataset and print where it is."""
    args = parse_args(argv)
    root = make_tiny_seg(
        args.out_dir,
        num_train=args.num_train,
        num_val=args.num_val,
        img_size=args.img_size,
        seed=args.seed,
        max_objects=args.max_objects,
        ignore_boundary=not args.no_ignore_boundary)
    print(f'Wrote a tiny segmentation dataset ({args.num_train} train, '
          f'{args.num_val} val images) to {root}')


if __name__ == '__main__':
    main()
