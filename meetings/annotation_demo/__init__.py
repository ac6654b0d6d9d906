"""Demo annotations (``seed_demo``), seeded after the demo meetings exist."""
