"""Aula's benchmarks (`make bench`): figures and ratios measured in one run, on this machine."""
