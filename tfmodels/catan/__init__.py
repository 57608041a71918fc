"""Catan future-state predictor: multi-head ResNet-18 and its diagnostics.

    layers.py       BroadcastConv2D (exact, cheap stem over the channels-first input), norm switch
    model.py        ResNet-18 body [2, 2, 2, 2] for the 11×21 board + one head per type
    heads.py        loss and accuracy per head (float: within half a quantum)
    diagnostics.py  train-mode vs eval-mode report, overfit verdict and early stop
    family.py       FAMILY: what `python -m tfmodels.fit` / `tuning.grid` call
"""
