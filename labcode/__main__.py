"""``python -m labcode``: which labcode this is. The instructors' tools are
``python -m labcode.authoring``, which students never need."""

from labcode import __version__

print(f"labcode {__version__}: the package the notebooks of Learning on Sets import.\n"
      "Instructors' tools: python -m labcode.authoring --help")
