"""The layer finder (``tools/analysis_tools/distill_layers.py``): find the
layers to distill: the student's and the teacher's modules with
their output shapes, the pairs a config distills, and the pairs (and
connectors) a loss could use.

One batch runs through both networks in ``'tensor'`` mode while a forward
hook on every module notes its output shape (the hooks are removed
afterwards; no tensor is kept). The batch is one batch of the config's
``val_dataloader`` (or ``train_dataloader``) when its data is on disk, and
otherwise a random batch shaped for the model (``--random-input HxW`` always
uses one). The teacher checkpoint is not needed: the networks keep their
initial weights, only shapes matter.

    # a distillation config (its distilled layers are marked with *)
    python tools/analysis_tools/distill_layers.py \\
        configs/kd/fitnet/fitnet_resnet32x4_resnet8x4_1xb64-240e_cifar100.py
    # two plain model configs, and the pairs a loss could use
    python tools/analysis_tools/distill_layers.py \\
        --student configs/baselines/resnet20_cifar100.py \\
        --teacher mmkd::baselines/resnet32x4_cifar100.py --loss FitNetLoss
    # a picture of the distillation graph
    python tools/analysis_tools/distill_layers.py \\
        configs/mmdet/tiny/pkd_fpn_mask-rcnn_r34-r18_tiny-coco.py \\
        --out-graph pkd.png

How ``--loss`` pairs layers (see docs/layer_finder.md):

- *stages* are the children of the ``backbone`` (or of the model, for a
  classifier) with one 4-D output; at each output stride the deepest one
  counts, and student and teacher stages of the same stride are paired;
- *levels* are top-level modules with several 4-D outputs (an FPN ``neck``,
  a ``backbone``); they are paired when their strides agree;
- *logits* are the model's own ``'tensor'``-mode output (a classifier's
  ``linear``, a segmentor's ``decode_head.conv_seg``), paired with logits;
- the *embedding* is the last per-sample vector before the logits (a
  classifier's ``avgpool``).

Each loss class declares what it pairs (``pairing``, a
:class:`mmkd.models.losses.Pairing`): which of these it pairs, how a shape
difference is bridged and which of its arguments take the channels.
Bridging: nothing when the shapes match, ``ConvBNConnector`` for other
channels of a feature map (``resize=True`` when the sizes differ too),
``ResizeConnector`` for a size difference only, ``LinearEmbedConnector``
for vectors of other sizes.
"""
from .finder import find_layers

__all__ = ['find_layers']
