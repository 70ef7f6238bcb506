# The 8x8 digits of digits_bs64.py with only 3 labelled training images per
# digit (30 in all: the first ones of each class in the fixed, shuffled
# 1,200-image training split), each seen 20 times per epoch; testing is on
# the same 597 held-out images. The students of the digits demo learn from
# these while their teacher saw all 1,200 training images.
_base_ = ['./digits_bs64.py']

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='RepeatDataset',
        times=20,
        dataset=dict(
            type='Digits',
            split='train',
            num_train=1200,
            num_per_class=3,
            pipeline=[dict(type='PackClsInputs')])))
