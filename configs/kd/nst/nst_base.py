# NST (Huang & Wang, "Like What You Like: Knowledge Distill via Neuron
# Selectivity Transfer", 2017), RepDistiller's CIFAR-100 setting (--distill
# nst -a 0 -b 50): on feat[1:-1], MMD^2 with a polynomial kernel (d 2, c 0)
# of the channel-normalised maps, summed over layers: CE + 50 * NST.
nst = dict(
    type='ConfigurableDistiller', loss=[dict(type='NSTLoss')], weights=50.0)
