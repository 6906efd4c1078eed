"""Unit tests of labcode's modules."""
