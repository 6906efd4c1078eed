"""``make compat``: every student notebook, solutions injected, in two throw-away environments.

- **colab**: what Google Colab gives a student: ipywidgets 7.7.1 (with Colab's ipykernel and
  IPython), imported at kernel start by an IPython startup file, and the newest torch (from
  ``TORCH_INDEX``, PyTorch's CPU index, where it is reachable), numpy and matplotlib the package
  index serves.
- **oldest**: the oldest version of each dependency ``pyproject.toml`` declares (its floors).

Each environment is a venv under ``_build/compat/<name>/`` with labcode installed from this
tree (``pip install --no-deps -e .``) and a Jupyter kernel of its own. The notebooks run
serially, one kernel at a time, through ``tests/notebooks/test_student_experience.py``
(``LABCODE_FULL_STUDENT_RUN=1``, ``LABCODE_KERNEL``). Each environment's result, with its
versions and time, is written to ``_build/compat/<name>/result.json`` and a Markdown table
row is printed (``book/instructors.md`` keeps the table).

An environment that exists is reused and brought to the wanted versions (``pip install
--upgrade``); ``--fresh`` builds it anew.

Usage: ``python tests/compat/compat.py [--fresh] [colab] [oldest]`` (both by default).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "_build" / "compat"
KERNEL = "labcode-compat"
PACKAGES = ("torch", "numpy", "matplotlib", "ipywidgets", "tqdm", "ipykernel")
#: Colab's Jupyter stack (it preinstalls these and loads ipywidgets at kernel start).
COLAB = ("ipywidgets==7.7.1", "ipykernel==6.17.1", "ipython==7.34.0")
TORCH_INDEX = os.environ.get("TORCH_INDEX", "https://download.pytorch.org/whl/cpu")


def floors() -> list[str]:
    """``name==floor`` for every ``name>=floor`` dependency of pyproject.toml."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = []
    for spec in project["dependencies"]:
        found = re.fullmatch(r"([\w.-]+)\s*>=\s*([\w.]+)", spec)
        if not found:
            raise SystemExit(f"pyproject.toml: {spec!r} is not 'name>=floor'")
        pins.append(f"{found.group(1)}=={found.group(2)}")
    return pins


def requirements(name: str) -> list[str]:
    if name == "colab":
        return ["torch", "numpy", "matplotlib", "tqdm", *COLAB]
    if name == "oldest":
        return [*floors(), "ipykernel"]
    raise SystemExit(f"unknown environment {name!r}: colab or oldest")


def sh(*args: str | Path, **kwargs) -> subprocess.CompletedProcess:
    print("+", " ".join(map(str, args)), flush=True)
    return subprocess.run([str(a) for a in args], check=True, **kwargs)


def build(name: str, fresh: bool) -> Path:
    """Create the venv of ``name`` (anew if ``fresh`` or missing, else brought to the wanted
    versions by ``pip install --upgrade``), its kernel and, for colab, the startup file."""
    home = BUILD / name
    venv = home / "venv"
    if fresh and home.exists():
        sh("rm", "-rf", home)
    if not (venv / "bin" / "python").exists():
        sh(sys.executable if sys.version_info[:2] == (3, 11) else "python3.11", "-m", "venv",
           venv)
    pip = [venv / "bin" / "python", "-m", "pip", "install", "--quiet"]
    sh(*pip, "--upgrade", "pip>=23")
    wanted = requirements(name)
    torch = next(r for r in wanted if re.match(r"torch\b", r))
    index = ["--extra-index-url", TORCH_INDEX] if TORCH_INDEX else []
    sh(*pip, "--upgrade", *index, torch)  # torch alone from the CPU index (one look-up there)
    sh(*pip, "--upgrade", *wanted)
    sh(*pip, "--no-deps", "--editable", ROOT)  # editable: no build/ folder in the tree
    kernel_env = {"PYTHONNOUSERSITE": "1"}
    for stale in ("ipython", "jupyter", "kernel-starts.log", "pytest.xml", "result.json"):
        sh("rm", "-rf", home / stale)
    if name == "colab":  # Colab loads ipywidgets when the kernel starts
        startup = home / "ipython" / "profile_default" / "startup"
        startup.mkdir(parents=True)
        log = home / "kernel-starts.log"
        (startup / "00-ipywidgets.py").write_text(
            "import ipywidgets\n"
            f"with open({str(log)!r}, 'a') as log:\n"
            "    log.write(ipywidgets.__version__ + '\\n')\n")
        kernel_env["IPYTHONDIR"] = str(home / "ipython")
    spec = home / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(venv / "bin" / "python"), "-m", "ipykernel_launcher", "-f",
                 "{connection_file}"],
        "display_name": f"labcode compat ({name})", "language": "python", "env": kernel_env,
    }, indent=1))
    return venv


def versions(venv: Path) -> dict[str, str]:
    code = ("import importlib.metadata as m, sys, json; print(json.dumps({**{p: m.version(p) "
            f"for p in {list(PACKAGES)!r}}}, 'python': sys.version.split()[0]}}))")
    out = subprocess.run([venv / "bin" / "python", "-c", code], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def run(name: str, fresh: bool = False) -> dict:
    start = time.monotonic()
    venv = build(name, fresh)
    built = time.monotonic() - start
    env = {**os.environ, "JUPYTER_PATH": str(BUILD / name / "jupyter"),
           "LABCODE_KERNEL": KERNEL, "LABCODE_FULL_STUDENT_RUN": "1",
           "CUDA_VISIBLE_DEVICES": ""}
    report = BUILD / name / "pytest.xml"
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:xdist", "-q",
         "-k", "with_the_solutions_injected", f"--junitxml={report}",
         "tests/notebooks/test_student_experience.py"], cwd=ROOT, env=env)
    ran = time.monotonic() - start
    xml = report.read_text(encoding="utf-8") if report.is_file() else ""
    total = len(re.findall(r"<testcase ", xml))
    failed = len(re.findall(r"<(?:failure|error) ", xml))
    result = {"environment": name, "versions": versions(venv), "passed": total - failed,
              "labs": total, "returncode": done.returncode, "install_s": round(built),
              "run_s": round(ran)}
    log = BUILD / name / "kernel-starts.log"
    if log.is_file():
        starts = log.read_text().split()
        result["kernel_starts_with_ipywidgets"] = sorted(set(starts))
        result["kernel_starts"] = len(starts)
    (BUILD / name / "result.json").write_text(json.dumps(result, indent=1) + "\n")
    return result


def row(result: dict) -> str:
    v = result["versions"]
    shown = ", ".join(f"{p} {v[p]}" for p in ("torch", "numpy", "matplotlib", "ipywidgets"))
    return (f"| {result['environment']} | Python {v['python']}, {shown} | "
            f"{result['passed']} of {result['labs']} | {result['run_s']} s "
            f"(install {result['install_s']} s) |")


def main(args: list[str]) -> int:
    fresh = "--fresh" in args
    names = [a for a in args if a != "--fresh"] or ["colab", "oldest"]
    results = [run(name, fresh) for name in names]
    print("\n| environment | versions | labs passed | time |\n|---|---|---|---|")
    for result in results:
        print(row(result))
    return 0 if all(r["returncode"] == 0 and r["labs"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
