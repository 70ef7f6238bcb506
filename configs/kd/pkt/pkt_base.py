# PKT (Passalis & Tefas, "Learning Deep Representations with
# Probabilistic Knowledge Transfer", ECCV 2018), RepDistiller's CIFAR-100
# setting (--distill pkt -a 0 -b 30000): on feat[-1] (the pooled
# embedding), KL between cosine-kernel conditional distributions:
# CE + 30000 * PKT.
pkt = dict(
    type='ConfigurableDistiller',
    student_distill_layer=['avgpool'],
    teacher_distill_layer=['avgpool'],
    loss=dict(type='PKTLoss'),
    weights=30000.0)
