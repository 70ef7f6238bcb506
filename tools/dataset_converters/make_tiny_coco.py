"""Write a tiny synthetic COCO-format instance-segmentation dataset.

The output has the COCO 2017 layout (``annotations/instances_train2017.json``,
``annotations/instances_val2017.json``, ``train2017/``, ``val2017/``), so
mmdet configs built on ``coco_instance.py`` read it once ``data_root`` points
at it and ``metainfo=dict(classes=TINY_COCO_CLASSES)`` is set.

Examples:
    python tools/dataset_converters/make_tiny_coco.py data/tiny_coco
    python tools/dataset_converters/make_tiny_coco.py data/tiny_coco \
        --num-train 64 --num-val 16 --img-size 128 --seed 0
"""
import argparse
from typing import List, Optional

from tiny_coco import make_tiny_coco  # next to this file


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command-line arguments.

    Args:
        argv (list[str], optional): Arguments; ``sys.argv[1:]`` if None.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(
        description='Write a tiny synthetic COCO-format instance '
        'segmentation dataset (squares, circles, triangles)')
    parser.add_argument('out_dir', help='directory to write the dataset to')
    parser.add_argument(
        '--num-train', type=int, default=8, help='number of training images')
    parser.add_argument(
        '--num-val', type=int, default=4, help='number of validation images')
    parser.add_argument(
        '--img-size', type=int, default=128, help='image height and width')
    parser.add_argument(
        '--max-objects',
        type=int,
        default=3,
        help='maximum number of objects per image')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    """Write the dataset and print where it is.

    Args:
        argv (list[str], optional): Arguments; ``sys.argv[1:]`` if None.
    """
    args = parse_args(argv)
    root = make_tiny_coco(
        args.out_dir,
        num_train=args.num_train,
        num_val=args.num_val,
        img_size=args.img_size,
        max_objects=args.max_objects,
        seed=args.seed)
    print(f'Wrote a tiny COCO dataset ({args.num_train} train, '
          f'{args.num_val} val images) to {root}')


if __name__ == '__main__':
    main()
