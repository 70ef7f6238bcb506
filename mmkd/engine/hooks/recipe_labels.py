"""Hand the training set's labels to the losses that sample by class."""
from mmengine.hooks import Hook

from mmkd.models.recorders import unwrap_model
from mmkd.registry import HOOKS


def dataset_labels(dataset) -> list:
    """``gt_label`` of every sample of ``dataset``, in index order."""
    labels = []
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        if 'gt_label' not in info:
            raise KeyError(f'DatasetLabelsHook: sample {index} of '
                           f'{type(dataset).__name__} has no gt_label.')
        labels.append(int(info['gt_label']))
    return labels


@HOOKS.register_module()
class DatasetLabelsHook(Hook):
    """Before training, pass the label of every training sample to each
    module of the model that has ``set_dataset_labels`` (CRD's
    class-conditional negatives, ``CRDLoss(negatives='other_classes')``,
    as the authors' ``CIFAR100InstanceSample`` draws them)."""

    priority = 'HIGH'

    def before_train(self, runner) -> None:
        takers = [
            m for m in unwrap_model(runner.model).modules()
            if hasattr(m, 'set_dataset_labels')
        ]
        if not takers:
            return
        labels = dataset_labels(runner.train_dataloader.dataset)
        for module in takers:
            module.set_dataset_labels(labels)
        runner.logger.info(
            f'DatasetLabelsHook: {len(labels)} training labels '
            f'({len(set(labels))} classes) passed to '
            f'{", ".join(sorted({type(m).__name__ for m in takers}))}.')
