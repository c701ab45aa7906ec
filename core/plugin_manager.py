"""Discovers plugins and collects what they provide.

Plugins are found through the ``gatecheck`` entry-point group (first-party and
third-party alike); the built-in reporters are registered the same way pytest registers
its own built-in plugins, as an internal module that implements the same hooks.
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pluggy

from gatecheck import hookspecs
from gatecheck.checks import Check
from gatecheck.errors import GatecheckError
from gatecheck.policy.engines import EngineProvider
from gatecheck.reports import Reporter
from gatecheck.store.providers import StoreProvider

BUILTIN_PLUGINS = ("gatecheck.reports.builtin", "gatecheck.policy.builtin", "gatecheck.store.builtin")


@dataclass
class PluginInfo:
    """One registered plugin, for ``gatecheck plugins``."""

    name: str
    version: str
    source: str
    checks: list[str] = field(default_factory=list)
    reporters: list[str] = field(default_factory=list)
    policy_engines: list[str] = field(default_factory=list)
    signers: list[str] = field(default_factory=list)
    stores: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    error: str | None = None

    def provides(self) -> list[str]:
        """Everything the plugin provides, as ``kind:name`` labels."""
        return (
            [f"check:{c}" for c in self.checks] + [f"format:{r}" for r in self.reporters]
            + [f"engine:{e}" for e in self.policy_engines] + [f"signer:{s}:" for s in self.signers]
            + [f"store:{s}://" for s in self.stores] + [f"command:{c}" for c in self.commands]
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "source": self.source,
            "checks": self.checks,
            "reporters": self.reporters,
            "policy_engines": self.policy_engines,
            "signers": self.signers,
            "stores": self.stores,
            "commands": self.commands,
            "error": self.error,
        }


class Plugins:
    """The plugin manager for one process: loads plugins once, then answers lookups."""

    def __init__(self, *, load_entry_points: bool = True, extra: list[object] | None = None) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.sources: dict[str, str] = {}
        self.versions: dict[str, str] = {}
        self.load_errors: list[PluginInfo] = []
        for modname in BUILTIN_PLUGINS:
            module = importlib.import_module(modname)
            self.pm.register(module, name=modname)
            self.sources[modname] = "builtin"
            self.versions[modname] = _gatecheck_version()
        if load_entry_points:
            self._load_entry_points()
        for obj in extra or []:
            name = getattr(obj, "__name__", None) or type(obj).__name__
            self.pm.register(obj, name=name)
            self.sources[name] = "registered in-process"
            self.versions[name] = getattr(obj, "__version__", "")
        # A hook implementation whose name no hook spec has (a misspelt ``gatecheck_chekcs``)
        # would otherwise never be called, and its checks would silently not run.
        _check_hooks(self.pm)

    def _load_entry_points(self) -> None:
        # Load each entry point ourselves rather than with pluggy's
        # load_setuptools_entrypoints so that one broken plugin is reported by name and
        # the others still load.
        for ep in importlib.metadata.entry_points(group=hookspecs.PROJECT):
            if self.pm.has_plugin(ep.name):
                continue
            dist = ep.dist
            dist_name = dist.metadata["Name"] if dist else "?"
            dist_version = dist.version if dist else "?"
            source = f"entry point {ep.value} from {dist_name} {dist_version}"
            try:
                plugin = ep.load()
                self.pm.register(plugin, name=ep.name)
                _check_hooks(self.pm)
            except Exception as exc:
                if self.pm.has_plugin(ep.name):
                    self.pm.unregister(name=ep.name)
                self.load_errors.append(
                    PluginInfo(ep.name, dist_version, source, error=f"failed to load: {type(exc).__name__}: {exc}")
                )
                continue
            self.sources[ep.name] = source
            self.versions[ep.name] = str(getattr(plugin, "__version__", dist_version))

    def collect(self, hook_name: str, attr: str) -> dict[str, tuple[str, Any]]:
        """Call every implementation of a list-returning hook: ``{key: (plugin name, item)}``
        keyed by each item's ``attr``; a missing key or one offered twice is an error."""
        found: dict[str, tuple[str, Any]] = {}
        hook = getattr(self.pm.hook, hook_name)
        for impl in hook.get_hookimpls():
            plugin_name = self.pm.get_name(impl.plugin) or "?"
            try:
                items = impl.function() or []
            except Exception as exc:
                raise GatecheckError(f"plugin {plugin_name!r} failed in {hook_name}: {type(exc).__name__}: {exc}") from exc
            for item in items:
                key = getattr(item, attr, None)
                if not isinstance(key, str) or not key:
                    raise GatecheckError(f"plugin {plugin_name!r} returned an object without a {attr} from {hook_name}")
                if key in found:
                    raise GatecheckError(
                        f"{attr} {key!r} is provided by both {found[key][0]!r} and {plugin_name!r}; uninstall one"
                    )
                found[key] = (plugin_name, item)
        return found

    @cached_property
    def _checks(self) -> dict[str, tuple[str, Any]]:
        return self.collect("gatecheck_checks", "name")

    @cached_property
    def _reporters(self) -> dict[str, tuple[str, Any]]:
        return self.collect("gatecheck_reporters", "name")

    def checks(self) -> dict[str, Check]:
        """Every available check by name."""
        return {name: item for name, (_, item) in sorted(self._checks.items())}

    def reporters(self) -> dict[str, Reporter]:
        """Every available report format by name."""
        return {name: item for name, (_, item) in sorted(self._reporters.items())}

    @cached_property
    def _policy_engines(self) -> dict[str, tuple[str, Any]]:
        return self.collect("gatecheck_policy_engines", "name")

    def policy_engines(self) -> dict[str, EngineProvider]:
        """Every available policy engine provider by name."""
        return {name: item for name, (_, item) in sorted(self._policy_engines.items())}

    @cached_property
    def _signers(self) -> dict[str, tuple[str, Any]]:
        return self.collect("gatecheck_signers", "scheme")

    def signers(self) -> dict[str, Any]:
        """Every signer provider by URI scheme."""
        return {scheme: item for scheme, (_, item) in sorted(self._signers.items())}

    @cached_property
    def _stores(self) -> dict[str, tuple[str, Any]]:
        return self.collect("gatecheck_stores", "scheme")

    def stores(self) -> dict[str, StoreProvider]:
        """Every attestation store provider by URL scheme."""
        return {scheme: item for scheme, (_, item) in sorted(self._stores.items())}

    def describe(self) -> list[PluginInfo]:
        """One entry per registered plugin with what it provides, then any that failed to load."""
        infos: dict[str, PluginInfo] = {}
        for name, plugin in self.pm.list_name_plugin():
            if plugin is None:
                continue
            infos[name] = PluginInfo(name, self.versions.get(name, ""), self.sources.get(name, "?"))
        for check_name, (plugin_name, _) in self._checks.items():
            infos[plugin_name].checks.append(check_name)
        for rep_name, (plugin_name, _) in self._reporters.items():
            infos[plugin_name].reporters.append(rep_name)
        for engine_name, (plugin_name, _) in self._policy_engines.items():
            infos[plugin_name].policy_engines.append(engine_name)
        for scheme, (plugin_name, _) in self._signers.items():
            infos[plugin_name].signers.append(scheme)
        for scheme, (plugin_name, _) in self._stores.items():
            infos[plugin_name].stores.append(scheme)
        for impl in self.pm.hook.gatecheck_commands.get_hookimpls():
            plugin_name = self.pm.get_name(impl.plugin) or "?"
            try:
                returned: Any = impl.function()
                commands: list[Any] = list(returned or [])
            except Exception as exc:
                raise GatecheckError(f"plugin {plugin_name!r} failed in gatecheck_commands: {exc}") from exc
            infos[plugin_name].commands.extend(str(getattr(c, "name", "?")) for c in commands)
        ordered = sorted(infos.values(), key=lambda i: (i.source != "builtin", i.name))
        return ordered + self.load_errors


def _gatecheck_version() -> str:
    from gatecheck import __version__

    return __version__


def _check_hooks(pm: pluggy.PluginManager) -> None:
    """Fail on a hook implementation that matches no hook spec, naming the plugin and the hook."""
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        plugin = pm.get_name(exc.plugin) or repr(exc.plugin)
        raise GatecheckError(f"plugin {plugin!r}: {exc}; the hooks are listed in docs/plugins.md") from exc
