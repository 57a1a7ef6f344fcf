"""Scheduling: dependencies, stages, tasks, executors and their backends."""
