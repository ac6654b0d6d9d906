"""Benchmarks of Nghị Sự against baselines measured in the same run.

``python -m bench [--quick|--full] [--only NAME]``; see docs/performance.md.
"""
