"""Browser tests of the built site (a package, as tests/ is: see tests/conftest.py)."""
