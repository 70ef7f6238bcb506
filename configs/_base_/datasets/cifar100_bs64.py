# CIFAR-100, python version: put (or extract) cifar-100-python.tar.gz from
# https://www.cs.toronto.edu/~kriz/cifar.html under data/cifar100/, so that
# data/cifar100/cifar-100-python/{train,test,meta} exist.
dataset_type = 'CIFAR100'
data_root = 'data/cifar100'

# mean/std of the CIFAR-100 training set (RGB), on the 0-255 pixel scale
data_preprocessor = dict(
    type='ImgDataPreprocessor',
    mean=[129.3105, 124.1085, 112.404],
    std=[68.2125, 65.4075, 70.4055])

train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackClsInputs'),
]
test_pipeline = [dict(type='PackClsInputs')]

train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        pipeline=test_pipeline))
val_evaluator = dict(type='Accuracy', topk=(1, 5))

test_dataloader = val_dataloader
test_evaluator = val_evaluator
