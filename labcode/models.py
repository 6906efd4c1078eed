"""Old home of names that now live in the labs' topic modules (see :mod:`labcode._moved`)."""

from labcode._moved import aliases

__getattr__ = aliases(__name__)
