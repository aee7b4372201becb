"""The roll-up of SPEC.md §3 as pure polars functions: accepted values in, review frames out."""

from chitieu.rollup.review import Rollup, roll_up
from chitieu.rollup.summary import ClassCounts, class_counts, summary_sentence

__all__ = ["ClassCounts", "Rollup", "class_counts", "roll_up", "summary_sentence"]
