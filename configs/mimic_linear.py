"""mimic with no hidden layer: a conditional logit, solved exactly, with standard errors.

`optimizer` stays "auto", so `num_layers=0` is solved by Newton's method with the exact
Hessian (tfmodels/mimic/exact.py): it stops at max |gradient of the mean NLL| ≤ 1e-7 in a
handful of passes and writes SEs into coefficients.csv (`python -m bench.mimic_linear`
times it and statsmodels' ConditionalLogit to that same stopping rule). The Adam
fields below apply with `--set optimizer=adam`: the likelihood is ill-conditioned
(`stay_put` is `normed_distance == 0`), so Adam trains full-batch with a cosine-decayed
step; how close that gets to the optimum (and how far a short, small-step run stops) is
in bench/RESULTS_mimic.md, the linear `mimic_linear` lines at its top.
"""
from configs.families.mimic import MimicConfig


def get_config() -> MimicConfig:
    return MimicConfig(name="mimic_linear", feature_set="v3", num_layers=0,
                       learning_rate=0.3, lr_decay="cosine", epochs=1000, batch_size=16_384)
