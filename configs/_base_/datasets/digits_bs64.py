# The 8x8 handwritten digits that scikit-learn ships (1,797 real images,
# offline): 1,200 for training, 597 for testing, a fixed split.
dataset_type = 'Digits'

# mean/std of the digits' pixels scaled to 0-255
data_preprocessor = dict(type='ImgDataPreprocessor', mean=[77.84], std=[95.89])

train_pipeline = [dict(type='PackClsInputs')]
test_pipeline = [dict(type='PackClsInputs')]

train_dataloader = dict(
    batch_size=64,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        split='train',
        num_train=1200,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=256,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        split='test',
        num_train=1200,
        pipeline=test_pipeline))
val_evaluator = dict(type='Accuracy', topk=(1, ))

test_dataloader = val_dataloader
test_evaluator = val_evaluator
