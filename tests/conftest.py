"""Test configuration shared by every test module.

Hypothesis runs under the ``ci`` profile (credit_rules.testing.profiles: derandomised, no
example database, no deadline) unless the environment variable HYPOTHESIS_PROFILE names
another (``HYPOTHESIS_PROFILE=dev`` explores new examples each run). So the README's plain
``python -m pytest`` gives everyone the same result CI gives: a random or replayed example
must not make a laptop red where CI is green, or the other way round. Loaded here, before any
test module builds its ``settings``, so that those inherit the profile.

Hypothesis keeps more than its example database in its storage directory (a cache of the
constants in the code under test, for one), by default ``.hypothesis/`` in the working
directory, which is the repository. The suite points it outside, unless
HYPOTHESIS_STORAGE_DIRECTORY says where: a folder in the system's temporary directory named
for this checkout, so that ``dev``'s database still persists from one run to the next. The
variable is exported, so the subprocesses some tests start (``credit-rules check``) inherit it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import pytest

# The journal fixture (SQLite and, where a server is given, PostgreSQL) for every ledger test.
from ledger_journals import journal_factory  # noqa: F401

from credit_rules.testing.profiles import CI, load_profile

ROOT = Path(__file__).resolve().parents[1]
STORAGE = "HYPOTHESIS_STORAGE_DIRECTORY"

if not os.environ.get(STORAGE):
    checkout = hashlib.sha256(str(ROOT).encode("utf-8")).hexdigest()[:12]
    os.environ[STORAGE] = str(Path(tempfile.gettempdir()) / f"credit-rules-hypothesis-{checkout}")

load_profile(default=CI)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI (``CI`` set) a skipped test fails the run. Tests skip only where a real component
    (PostgreSQL, polars, Dask, cairosvg…) is absent outside CI; in CI every one is installed or
    started by .ci/run, so a skip there means a test silently stopped testing."""
    if not os.environ.get("CI") or session.config.option.collectonly:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if skipped:
        where = ", ".join(sorted({report.nodeid or str(report.location) for report in skipped})[:5])
        if reporter is not None:
            reporter.write_line(f"ci: {len(skipped)} test(s) skipped in CI: {where}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
