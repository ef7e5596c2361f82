"""The library's version, in a module of its own.

Code inside the package (the ledger writes it into a snapshot's header) reads it from here, not
from ``credit_rules`` itself: the package's ``__init__`` re-exports every layer, so importing it
from a lower layer would import upward.
"""

__version__ = "0.1.0"
