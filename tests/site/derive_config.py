"""Print _config.yml with some keys overridden: ``derive_config.py a.b=value ...``.

``make test`` uses it to build the site from the outputs nbval has just validated
(``execute.execute_notebooks=off``); the hide-solutions test uses it to switch solutions off.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def derive(overrides: list[str]) -> dict:
    """Return the book configuration with each ``dotted.key=yaml_value`` applied."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep:
            raise SystemExit(f"expected dotted.key=value, got {item!r}")
        node = config
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = yaml.safe_load(raw)
    # Jupyter Book resolves local extension folders against the config file's own folder.
    extensions = config.get("sphinx", {}).get("local_extensions") or {}
    for name, folder in extensions.items():
        extensions[name] = str(ROOT / folder)
    return config


if __name__ == "__main__":
    yaml.safe_dump(derive(sys.argv[1:]), sys.stdout, sort_keys=False)
