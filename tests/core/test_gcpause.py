"""The collector pause around policy input building and decisions leaves the collector as it found it."""

from __future__ import annotations

import gc

import pytest

from gatecheck.gcpause import paused, while_paused


def test_pause_restores_an_enabled_collector_even_after_an_error() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), paused():
        assert not gc.isenabled()
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_nested_pauses_and_a_disabled_collector_are_left_alone() -> None:
    @while_paused
    def inner() -> bool:
        return gc.isenabled()

    with paused():
        assert inner() is False
        assert not gc.isenabled()  # the inner pause did not switch it back on early
    assert gc.isenabled()
    gc.disable()
    try:
        assert inner() is False
        assert not gc.isenabled()  # someone else's choice to keep it off is respected
    finally:
        gc.enable()


def test_policy_input_build_runs_without_the_collector_and_restores_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    from gatecheck.policy import inputs

    seen: list[bool] = []
    original = inputs.unique_findings

    def spy(results):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return original(results)

    monkeypatch.setattr(inputs, "unique_findings", spy)
    inputs.build([], stage="ci", now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert seen == [False] and gc.isenabled()
