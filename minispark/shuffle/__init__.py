"""Shuffle: partitioners, aggregators, map-side write and reduce-side read."""
