"""Refresh the message catalogues with Babel: extract every ``_()`` message of the package into
``credit_rules.pot``, merge it into each ``.po`` and compile the ``.mo`` that ships.

    .venv/bin/python tools/update_catalogue.py

New messages arrive in the ``.po`` untranslated; tests/test_i18n.py fails until each has its
Chinese text, so no message reaches a Chinese reader in English by accident.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "src" / "credit_rules" / "locale"


def main() -> None:
    pybabel = [sys.executable, "-m", "babel.messages.frontend"]
    pot = LOCALE / "credit_rules.pot"
    subprocess.run(
        [
            *pybabel,
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_",
            "-k",
            "N_",
            "-k",
            "Message",
            "--no-location",
            "--sort-output",
            "--omit-header",
            "-o",
            str(pot),
            str(ROOT / "src" / "credit_rules"),
        ],
        check=True,
    )
    po = LOCALE / "zh" / "LC_MESSAGES" / "credit_rules.po"
    if po.exists():
        subprocess.run(
            [
                *pybabel,
                "update",
                "-i",
                str(pot),
                "-o",
                str(po),
                "-l",
                "zh",
                "--no-fuzzy-matching",
                "--omit-header",
                "--ignore-obsolete",
            ],
            check=True,
        )
    else:
        subprocess.run([*pybabel, "init", "-i", str(pot), "-o", str(po), "-l", "zh"], check=True)
    subprocess.run(
        [
            *pybabel,
            "compile",
            "-i",
            str(po),
            "-o",
            str(po.with_suffix(".mo")),
            "-l",
            "zh",
            "--use-fuzzy",
        ],
        check=True,
    )


if __name__ == "__main__":
    main()
