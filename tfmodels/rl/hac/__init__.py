"""Hierarchical actor-critic (Levy et al., ICLR 2019) with one shared observation normalizer."""
