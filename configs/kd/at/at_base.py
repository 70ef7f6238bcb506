# AT (Zagoruyko & Komodakis, "Paying More Attention to Attention",
# ICLR 2017), RepDistiller's CIFAR-100 setting (--distill attention -a 0
# -b 1000): on feat[1:-1], sum over the layers of mean (a_s - a_t)^2 with
# a = L2-normalised mean_c f^2: CE + 1000 * AT.
at = dict(
    type='ConfigurableDistiller', loss=[dict(type='ATLoss')], weights=1000.0)
