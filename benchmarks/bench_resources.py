"""Time and peak memory of every resource case of issue 15, each refused by a limit.

Each case runs in a fresh process: the library is imported and warmed up, then the case runs
once and must end in a ``CreditRulesError``. "peak" is the process's maximum resident set
(``ru_maxrss``) after the case, including the interpreter, the library and a loaded ruleset
(about 100 MB); "added" is that peak less the peak before the case; "traced" is the most
memory Python allocated during the case (``tracemalloc``), which shows a case's own cost even
when it stays under the earlier peak. The bound is under 1 s and under 100 MB (added and
traced) per case with the default limits; two rows raise ``max_bytes`` to 1 GB to show that
the value and list limits still refuse, at a cost that grows with those limits (about 3 µs per
YAML value scanned on an idle core).

    python benchmarks/bench_resources.py [-o benchmarks/resources-results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RULESET = (ROOT / "rulesets" / "lianyungang-2007.yaml").read_text(encoding="utf-8")
WHEN = 'when: "record_count >= warning_records and record_count < settlement_change_records"'


def _billion_laughs(levels: int) -> str:
    rows = ['a0: &a0 "lol"']
    rows += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]" for n in range(1, levels)]
    return "\n".join(rows) + f"\nid: *a{levels - 1}\n"


def _condition(text: str) -> str:
    return RULESET.replace(WHEN, f'when: "{text}"', 1)


# name -> (what the file holds or None, the call that must be refused)
CASES: dict[str, tuple[str | None, str]] = {
    "billion laughs, 9 levels": (_billion_laughs(9), "load_ruleset(PATH)"),
    "flow nesting 1,000 deep": ("x: " + "[" * 1_000 + "]" * 1_000, "load_ruleset(PATH)"),
    "flow nesting 100,000 deep": ("x: " + "[" * 100_000 + "]" * 100_000, "load_ruleset(PATH)"),
    "1,000,000 keys (10 MB)": (
        "".join(f"k{i}: 1\n" for i in range(1_000_000)),
        "load_ruleset(PATH)",
    ),
    "1,000,000 keys, byte limit raised": (
        "".join(f"k{i}: 1\n" for i in range(1_000_000)),
        "load_ruleset(PATH, limits=Limits(max_bytes=10**9))",
    ),
    "1,000,000 subject kinds, byte limit raised": (
        "subject_kinds: [" + ", ".join(["insured_person"] * 1_000_000) + "]\n",
        "load_ruleset(PATH, limits=Limits(max_bytes=10**9, max_nodes=10**7))",
    ),
    "200 MB of comments": ("# a comment of a hundred characters" + "-" * 63 + "\n", "COMMENTS"),
    "/dev/zero": (None, "load_ruleset('/dev/zero')"),
    "300 aliases": ("a: &a 1\nb: [" + ", ".join(["*a"] * 300) + "]\n", "load_ruleset(PATH)"),
    "integer of 5,000 digits": ("x: " + "9" * 5_000 + "\n", "load_ruleset(PATH)"),
    "count of 5,000 hex digits": (
        RULESET.replace("value: 1\n", "value: 0x" + "f" * 5_000 + "\n", 1),
        "load_ruleset(PATH)",
    ),
    "not x 600 deep": (_condition("not " * 600 + "true"), "load_ruleset(PATH)"),
    "not x 10,000 deep": (_condition("not " * 10_000 + "true"), "load_ruleset(PATH)"),
    "1 MB 'and' chain": (_condition(" and ".join(["true"] * 200_000)), "load_ruleset(PATH)"),
    "ruleset extending itself": ("extends: case.yaml\nid: loop\n", "load_ruleset(PATH)"),
    "ledger advance to 9999-12-01": (None, "LEDGER.advance(dt.date(9999, 12, 1))"),
    "agenda horizon 10**7 days": (None, "LEDGER.agenda(dt.date(2009, 6, 1), horizon=10**7)"),
}

CHILD = r"""
import datetime as dt, resource, sys, time, tracemalloc
from pathlib import Path
from credit_rules import CreditRulesError, Ledger, Limits, bundled, load_ruleset
PATH = Path(sys.argv[1])
LEDGER = Ledger(bundled("lianyungang-2007"))
load_ruleset(Path(sys.argv[2]))  # warm up: every module the case may need is imported
call = sys.argv[3]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
started = time.perf_counter()
try:
    eval(call)
    outcome = "ACCEPTED"
except CreditRulesError as error:
    outcome = type(error).__name__
elapsed = time.perf_counter() - started
_, allocated = tracemalloc.get_traced_memory()
tracemalloc.stop()
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{elapsed}\t{before}\t{after}\t{allocated}\t{outcome}")
"""


def run_case(name: str, content: str | None, call: str, folder: Path) -> dict[str, object]:
    path = folder / "case.yaml"
    if call == "COMMENTS":  # 200 MB, written a line at a time
        line = (content or "").encode()
        with path.open("wb") as handle:
            for _ in range(200_000_000 // len(line) // 1000):
                handle.write(line * 1000)
        call = "load_ruleset(PATH)"
    else:
        path.write_text(content or "", encoding="utf-8")
    output = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            str(path),
            str(ROOT / "rulesets" / "lianyungang-2007.yaml"),
            call,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if output.returncode != 0:
        raise SystemExit(f"{name}: the case crashed\n{output.stderr}")
    elapsed, before, after, allocated, outcome = output.stdout.strip().splitlines()[-1].split("\t")
    return {
        "case": name,
        "seconds": round(float(elapsed), 4),
        "peak_rss_mb": round(int(after) / 1024, 1),
        "added_rss_mb": round((int(after) - int(before)) / 1024, 1),
        "python_peak_mb": round(int(allocated) / 2**20, 1),
        "refused_with": outcome,
        "default_limits": "limits=" not in call,
        "within_bounds": float(elapsed) < 1.0
        and (int(after) - int(before)) / 1024 < 100
        and int(allocated) / 2**20 < 100
        and outcome != "ACCEPTED",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = ROOT / "benchmarks" / "resources-results.json"
    parser.add_argument("-o", "--output", type=Path, default=default)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        print(
            f"{'case':44} {'seconds':>8} {'peak MB':>8} {'added MB':>9} {'traced MB':>9}"
            "  refused with"
        )
        for name, (content, call) in CASES.items():
            if name == "/dev/zero" and not os.path.exists("/dev/zero"):
                continue
            row = run_case(name, content, call, Path(folder))
            rows.append(row)
            flag = "" if row["within_bounds"] else "   <-- over 1 s or 100 MB"
            if not row["default_limits"]:
                flag += " (limits raised by the caller)"
            print(
                f"{name:44} {row['seconds']:8.3f} {row['peak_rss_mb']:8.1f} "
                f"{row['added_rss_mb']:9.1f} {row['python_peak_mb']:9.1f}  "
                f"{row['refused_with']}{flag}"
            )
    machine = {"python": sys.version.split()[0], "cpus": os.cpu_count()}
    args.output.write_text(json.dumps({"machine": machine, "cases": rows}, indent=2) + "\n")
    print(f"wrote {args.output}")
    # The bound applies with the default limits. The rows with a byte limit raised 250-fold
    # show what then protects (values, list length): their cost grows with those limits.
    return 0 if all(row["within_bounds"] for row in rows if row["default_limits"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
