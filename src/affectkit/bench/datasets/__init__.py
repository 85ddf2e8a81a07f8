"""Loaders for the labelled datasets under ../shared/data (read in place, never copied)."""
from affectkit.bench.datasets.paths import data_root
from affectkit.bench.datasets.speech import load_emodb
from affectkit.bench.datasets.text import load_carer, load_goemotions, load_meld

__all__ = ["data_root", "load_emodb", "load_carer", "load_goemotions", "load_meld"]
