"""The authoring tools' command line: ``python -m labcode.authoring strip [--check]``,
``execute``, ``bench``, ``robustness``, ``nbgrader-metadata [--check]``, ``grade`` (behind
``make student``, ``outputs``, ``bench``, ``robustness``, ``grade``), and ``new-lab NN slug``
(a new lab from the template: ``labcode.authoring.new_lab``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _strip(args: argparse.Namespace) -> int:
    from labcode.authoring.strip import StripError, plan

    src, dst = Path(args.src), Path(args.dst)
    try:
        outputs = plan(src, dst, args.notebooks or None)
    except StripError as err:
        print(f"strip: nothing written.\n{err}", file=sys.stderr)
        return 2
    if args.check:
        stale = [p for p, text in outputs.items()
                 if not p.exists() or p.read_text(encoding="utf-8") != text]
        orphans = [] if args.notebooks else sorted(
            p for p in dst.glob("*.ipynb") if not (src / p.name).exists())
        for p in stale:
            print(f"out of sync: {p} (run `make student`)")
        for p in orphans:
            print(f"no solution for student notebook: {p}")
        if stale or orphans:
            return 1
        print(f"strip --check: {len(outputs)} student notebooks in sync with {src}/")
        return 0
    dst.mkdir(parents=True, exist_ok=True)
    for path, text in outputs.items():
        changed = not path.exists() or path.read_text(encoding="utf-8") != text
        path.write_text(text, encoding="utf-8")
        print(f"{'wrote' if changed else 'unchanged'}: {path}")
    return 0


def _metadata(args: argparse.Namespace) -> int:
    from labcode.authoring.grading import GradingError, metadata_texts
    from labcode.authoring.strip import StripError

    try:
        texts = metadata_texts(Path(args.src), args.notebooks or None)
    except (GradingError, StripError) as err:
        print(f"nbgrader-metadata: nothing written.\n{err}", file=sys.stderr)
        return 2
    stale = [p for p, text in texts.items() if p.read_text(encoding="utf-8") != text]
    if args.check:
        for p in stale:
            print(f"stale nbgrader metadata: {p} (run `python -m labcode.authoring "
                  "nbgrader-metadata`)")
        if not stale:
            print(f"nbgrader-metadata --check: {len(texts)} solution notebooks up to date")
        return 1 if stale else 0
    for path in stale:  # metadata only: sources, outputs and everything else are untouched
        path.write_text(texts[path], encoding="utf-8")
        print(f"wrote: {path}")
    print(f"nbgrader-metadata: {len(stale)} written, {len(texts) - len(stale)} unchanged")
    return 0


def _grade(args: argparse.Namespace) -> int:
    from labcode.authoring.grading import GradingError, grade

    try:
        grade(Path(args.submissions), Path(args.src), Path(args.course), args.cell_timeout,
              args.notebook_timeout)
    except GradingError as err:
        print(f"grade: {err}", file=sys.stderr)
        return 2
    return 0


def _bench(args: argparse.Namespace) -> int:
    from labcode.authoring.bench import main

    return main(args.notebooks, Path(args.src), args.timeout)


def _execute(args: argparse.Namespace) -> int:
    from labcode.authoring.bench import execute_in_place

    paths = [Path(n) for n in args.notebooks] or sorted(Path("solutions").glob("*.ipynb"))
    for path in paths:
        if not path.is_file():
            print(f"execute: no such notebook: {path}", file=sys.stderr)
            return 2
        print(f"executed {path} in {execute_in_place(path, args.timeout):.1f} s", flush=True)
    return 0


def _robustness(args: argparse.Namespace) -> int:
    from labcode.authoring.robustness import main

    return main(args.labs, args.seeds)


def _new_lab(args: argparse.Namespace) -> int:
    from labcode.authoring.new_lab import main

    return main(args.number, args.slug, args.title, args.exercise)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m labcode.authoring``."""
    parser = argparse.ArgumentParser(prog="python -m labcode.authoring")
    sub = parser.add_subparsers(dest="command", required=True)
    strip = sub.add_parser("strip", help="regenerate student notebooks from solutions")
    strip.add_argument("notebooks", nargs="*", help="solution notebook names (default: all)")
    strip.add_argument("--check", action="store_true",
                       help="write nothing; exit 1 if a student notebook is out of sync")
    strip.add_argument("--src", default="solutions", help="solutions folder (default: solutions)")
    strip.add_argument("--dst", default="notebooks", help="student folder (default: notebooks)")
    strip.set_defaults(func=_strip)
    bench = sub.add_parser("bench", help="time every solution notebook, print key results")
    bench.add_argument("notebooks", nargs="*", help="solution notebook names (default: all)")
    bench.add_argument("--src", default="solutions")
    bench.add_argument("--timeout", type=int, default=600, help="per-cell timeout in seconds")
    bench.set_defaults(func=_bench)
    execute = sub.add_parser("execute", help="re-execute solution notebooks, keeping outputs")
    execute.add_argument("notebooks", nargs="*", help="notebook paths (default: solutions/*)")
    execute.add_argument("--timeout", type=int, default=600, help="per-cell timeout in seconds")
    execute.set_defaults(func=_execute)
    robustness = sub.add_parser("robustness",
                                help="re-run each lab's headline claims for several seeds")
    robustness.add_argument("--labs", nargs="+", metavar="NN",
                            help="labs to run, e.g. 03 07 (default: all registered)")
    robustness.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4],
                            metavar="SEED", help="seeds (default: 0 1 2 3 4)")
    robustness.set_defaults(func=_robustness)
    metadata = sub.add_parser("nbgrader-metadata",
                              help="write nbgrader's cell metadata into the solution notebooks")
    metadata.add_argument("notebooks", nargs="*", help="solution notebook names (default: all)")
    metadata.add_argument("--check", action="store_true",
                          help="write nothing; exit 1 if a notebook's metadata is stale")
    metadata.add_argument("--src", default="solutions")
    metadata.set_defaults(func=_metadata)
    grade = sub.add_parser("grade", help="autograde SUBMISSIONS/<student>/<NN_slug>.ipynb with "
                                         "nbgrader: grades.csv and feedback/ in SUBMISSIONS")
    grade.add_argument("submissions", help="folder of one subfolder per student")
    grade.add_argument("--src", default="solutions")
    grade.add_argument("--course", default="_build/grading",
                       help="nbgrader course folder, rebuilt (default: _build/grading)")
    grade.add_argument("--cell-timeout", type=int, default=120,
                       help="seconds a cell may run before it is interrupted (default: 120)")
    grade.add_argument("--notebook-timeout", type=int, default=600,
                       help="seconds a whole notebook may take; then it scores 0 (default: 600)")
    grade.set_defaults(func=_grade)
    new_lab = sub.add_parser("new-lab", help="create lab NN from a small template and register "
                                             "it; prints what to fill in")
    new_lab.add_argument("number", metavar="NN", help="two digits, e.g. 12")
    new_lab.add_argument("slug", help="a lowercase Python name, e.g. set_transformers: "
                                      "solutions/NN_slug.ipynb, labcode/slug.py")
    new_lab.add_argument("--title", help='the lab\'s title (default: from the slug, "Set '
                                         'transformers")')
    new_lab.add_argument("--exercise", default="sum_pool", metavar="NAME",
                         help="the template exercise's function, checked by checks.check_NAME "
                              "(default: sum_pool)")
    new_lab.set_defaults(func=_new_lab)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
