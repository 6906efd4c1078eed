"""Browser tests of the built site (a package, so that its conftest is not imported as
``conftest`` over tests/conftest.py, which tests/test_notebooks.py imports by that name)."""
