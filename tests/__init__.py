"""The test suite (a package: see conftest.py)."""
