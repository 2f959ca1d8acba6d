"""Alert channels: one module each, listed in ``registry.py``."""
