"""The benchmark settings with Baseline B's ASGI application."""

from bench.settings import *  # noqa: F403

ASGI_APPLICATION = "bench.baseline_b.asgi.application"
