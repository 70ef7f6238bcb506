# SP (Tung & Mori, "Similarity-Preserving Knowledge Distillation", ICCV
# 2019), RepDistiller's CIFAR-100 setting (--distill similarity -a 0 -b
# 3000): on feat[-2] (the last feature map), ||G_s - G_t||_F^2 / b^2 of the
# row-normalised batch Gram matrices: CE + 3000 * SP.
sp = dict(
    type='ConfigurableDistiller', loss=dict(type='SPLoss'), weights=3000.0)
