"""The self-checks of labcode.checks, one test module per lab."""
