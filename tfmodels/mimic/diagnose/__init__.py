"""Diagnosis of a trained mimic run: the tables and figures behind `tfmodels.mimic.report`.

Every table is computed from one per-choice frame (`scored.ScoredChoices`): the run's
log-odds for every choice of every decision, beside the same for the null (uniform), a
distance-only model and, on the simulator, the truth. A model is named by its log-odds
column, so every GMP, group, subset and calibration function scores all models alike.
"""
