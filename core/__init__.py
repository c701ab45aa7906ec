"""gatecheck: a policy and compliance gate for software delivery.

The import package lives in ``core/``. Public entry points for plugin authors are
:mod:`gatecheck.hookspecs` (the contract), :mod:`gatecheck.model` (the documents) and
:mod:`gatecheck.checks` (what a check receives and may use while it runs).
"""

# The single source of the version: pyproject.toml reads it from here. Kept literal, not
# looked up with importlib.metadata, because that lookup costs a scan of every installed
# distribution on each start of the CLI.
__version__ = "0.1.0"

from gatecheck.hookspecs import hookimpl, hookspec

__all__ = ["__version__", "hookimpl", "hookspec"]
