"""gatecheck: a policy and compliance gate for software delivery.

The import package lives in ``core/``. Public entry points for plugin authors are
:mod:`gatecheck.hookspecs` (the contract), :mod:`gatecheck.model` (the documents) and
:mod:`gatecheck.checks` (what a check receives and may use while it runs).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gatecheck")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

from gatecheck.hookspecs import hookimpl, hookspec

__all__ = ["__version__", "hookimpl", "hookspec"]
