"""Catan future-state predictor: multi-head ResNet-18 and its diagnostics.

    layers.py       BroadcastConv2D (exact, cheap stem over the channels-first input), norm switch
    model.py        ResNet-18 body [2, 2, 2, 2] for the 11×21 board + one head per type
    heads.py        loss and accuracy per head (float: within half a quantum)
    diagnostics.py  train-mode vs eval-mode report, with persistence beside every head
    skill.py        changed-element accuracy and skill over persistence, per future tick
    overfit.py      the overfit stop rule (changed elements, eval mode) and its verdict
    family.py       FAMILY: what `python -m tfmodels.fit` / `tuning.grid` call
"""
