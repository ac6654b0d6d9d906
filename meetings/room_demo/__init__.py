"""Demo data of the live room; ``seed_demo`` loads :mod:`.demo` (DEMO_APPS)."""
