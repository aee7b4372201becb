"""Benchmarks of chitieu at national scale: data generator, baselines and `make bench`."""
