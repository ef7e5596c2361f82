"""Test configuration shared by every test module.

Hypothesis runs under the profile named by the environment variable HYPOTHESIS_PROFILE
(``.ci/run`` exports ``ci``: derandomised, more examples, no deadline), else ``dev``. The profiles
are credit_rules' own (credit_rules.testing.profiles), so this suite runs the way any project
using the kit would. Loaded here, before any test module builds its ``settings``, so that those
inherit the profile.
"""

from __future__ import annotations

from credit_rules.testing.profiles import load_profile

load_profile()
