# CIFAR-10, python version: put (or extract) cifar-10-python.tar.gz from
# https://www.cs.toronto.edu/~kriz/cifar.html under data/cifar10/, so that
# data/cifar10/cifar-10-batches-py/{data_batch_1..5,test_batch,batches.meta} exist.
dataset_type = 'CIFAR10'
data_root = 'data/cifar10'

# mean/std of the CIFAR-10 training set (RGB), on the 0-255 pixel scale
data_preprocessor = dict(
    type='ImgDataPreprocessor',
    mean=[125.307, 122.961, 113.8575],
    std=[62.9932, 62.0887, 66.7048])

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
