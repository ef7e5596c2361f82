"""Instructions per JSON document of a population's evaluation, counted by valgrind.

``bench_engine.py`` times ``evaluate`` + the JSON contract streamed (``Evaluation.write_json``)
in seconds, which this shared 2-core host moves by a fifth from one run to the next; a change
to the writer that saves a few percent is lost in that. This script builds ``--persons``
persons of the synthetic population (``population.py``, 4,000 by default), evaluates them
once on the closures backend (every backend gives the same ``Evaluation``), and writes the
document into the null device, once and then ``--more`` times more, each in a child under
``valgrind --tool=callgrind`` (the runner of ``bench_instructions.py``, with
``PYTHONHASHSEED=0``). The difference of the two totals over the documents between them is
the instructions of one document: the build and the evaluation cancel out. Two versions of
the writer are compared with one run each (``--src``: another checkout's ``src``).

    .venv/bin/python benchmarks/bench_json_instructions.py [--persons 4000] [--src other/src]
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from bench_instructions import HERE, instructions, where_run

#: The child: one evaluation, then ``calls`` documents written into the null device.
_CHILD = """
import datetime, os, sys
sys.path.insert(0, {here!r})
import population
from credit_rules import Engine, bundled
persons, request, calls = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
built = population.build(population.PopulationParams(persons=persons))
evaluation = Engine(bundled("lianyungang-2007")).evaluate(
    built.subjects, built.events, as_of=datetime.date(2026, 6, 30)
)
with open(os.devnull, "wb") as sink:
    for _ in range(calls):
        evaluation.write_json(sink)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=4000)
    parser.add_argument("--more", type=int, default=3, help="documents the second run adds")
    parser.add_argument("--src", type=Path, help="the src folder of the checkout to measure")
    parser.add_argument("--output", type=Path, default=HERE / "json-instructions-results.json")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    setup = str(args.persons)
    once = instructions("write_json", 1, args.src, _CHILD, setup)
    more = instructions("write_json", 1 + args.more, args.src, _CHILD, setup)
    per_document = (more - once) // args.more
    print(f"write_json of {args.persons:,} persons' evaluation: {per_document:,} instructions")
    report = {
        "benchmark": "instructions per Evaluation.write_json of a population, binary stream",
        **where_run(args.src),
        "persons": args.persons,
        "documents": {"first_run": 1, "second_run": 1 + args.more},
        "instructions_per_document": per_document,
    }
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
