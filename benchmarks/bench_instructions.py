"""Instructions per small request, counted by valgrind: a latency the host's load cannot move.

`bench_latency.py` times the request of issue 10, item 9 (one person with two records, from
dicts) in microseconds, which on this shared 2-core host move by a third from one minute to the
next. This script runs the same request under `valgrind --tool=callgrind` in a child process,
twice, with a few hundred and with a thousand more calls, and divides the difference of the two
totals by the calls between them: the interpreter's start, the imports and the engine's build
cancel out, and what is left is the instructions of one call. The child's string hashes are
fixed (`PYTHONHASHSEED=0` unless the caller sets one): with a random seed per process, the sets
and dicts of one call lay out differently each run, and the same code counted 233,206 to 240,945
instructions. With the seed fixed it gives the same count to within a few instructions, whatever
else the machine does, so two versions of the engine can be compared with one run each (`--src`:
the `src` folder of another checkout).

Prints instructions per call for `outcomes`, `evaluate` and `evaluate` + JSON, and writes
`benchmarks/instructions-results.json`. Needs valgrind (Debian: `apt-get install valgrind`).

    .venv/bin/python benchmarks/bench_instructions.py [--src /path/to/other/src]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
#: The request, as the child runs it ``calls`` times after building the engine.
_CHILD = """
import sys
sys.path.insert(0, {here!r})
from bench_latency import AS_OF, EVENTS, SUBJECTS
from credit_rules import Engine, bundled
engine = Engine(bundled("lianyungang-2007"))
requests = {{
    "outcomes": lambda: engine.outcomes(SUBJECTS, EVENTS, as_of=AS_OF),
    "evaluate": lambda: engine.evaluate(SUBJECTS, EVENTS, as_of=AS_OF),
    "evaluate + JSON": lambda: engine.evaluate(SUBJECTS, EVENTS, as_of=AS_OF).model_dump_json(),
}}
request = requests[sys.argv[1]]
for _ in range(int(sys.argv[2])):
    request()
"""
_COLLECTED = re.compile(r"Collected : ([0-9]+)")


def instructions(
    request: str, calls: int, src: Path | None, child: str = _CHILD, setup: str = ""
) -> int:
    """All the instructions of a child process making ``request`` ``calls`` times; ``child``
    is the child's code (``bench_json_instructions.py`` gives its own), ``setup`` an
    argument it reads before the request's name."""
    environment = dict(os.environ)
    environment.setdefault("PYTHONHASHSEED", "0")
    if src is not None:
        environment["PYTHONPATH"] = str(src)
    done = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            "-c",
            child.format(here=str(HERE)),
            *([setup] if setup else []),
            request,
            str(calls),
        ],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
    )
    found = _COLLECTED.search(done.stderr)
    if found is None:
        raise SystemExit(f"callgrind printed no total:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def per_call(request: str, src: Path | None, base: int, more: int) -> int:
    """Instructions of one call: the difference of two runs over the calls between them."""
    return (instructions(request, base + more, src) - instructions(request, base, src)) // more


def where_run(src: Path | None) -> dict[str, Any]:
    """The machine, the time and the commit of a count, for its results file. ``commit`` is
    the checkout's HEAD; ``src_differs_from_commit`` says whether its ``src`` had changes
    not committed, which the count then measured instead."""
    version = subprocess.run(["valgrind", "--version"], capture_output=True, text=True).stdout
    where = src or HERE
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=where
    ).stdout.strip()
    changed = subprocess.run(
        ["git", "status", "--porcelain", "--", "src"],
        capture_output=True,
        text=True,
        cwd=src.parent if src is not None else HERE.parent,
    ).stdout.strip()
    return {
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "valgrind": version.strip(),
            "loadavg_1_at_end": round(os.getloadavg()[0], 2),
        },
        "run_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "src_differs_from_commit": bool(changed),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--src", type=Path, help="the src folder of the checkout to measure")
    parser.add_argument("--base", type=int, default=200, help="calls in the first run")
    parser.add_argument("--more", type=int, default=1000, help="calls the second run adds")
    parser.add_argument("--output", type=Path, default=HERE / "instructions-results.json")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    found = {}
    for request in ("outcomes", "evaluate", "evaluate + JSON"):
        found[request] = per_call(request, args.src, args.base, args.more)
        print(f"{request:16} {found[request]:>9,} instructions per call", flush=True)
    report = {
        "benchmark": "instructions per call, one person with two records, from dicts",
        **where_run(args.src),
        "calls": {"base": args.base, "more": args.more},
        "instructions_per_call": found,
    }
    args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
