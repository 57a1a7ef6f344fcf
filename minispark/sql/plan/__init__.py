"""Logical plans: nodes, expressions, analysis, optimization and physical planning."""
