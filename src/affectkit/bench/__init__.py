"""Benchmarks: dataset loaders, metrics and protocols."""
