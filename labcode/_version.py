"""The version of labcode: its one source (pyproject.toml reads it, strip.py writes it into the
student notebooks' setup cell, and a release tags it as ``v<version>``)."""

__version__ = "0.3.0"
