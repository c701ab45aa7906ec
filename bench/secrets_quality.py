"""Recall and false-alarm rate of the built-in secret rules on the labelled corpus, per family and overall.

    python bench/secrets_quality.py                 # the table, then the overall line
    python bench/secrets_quality.py --misses        # also the rule ids of what was missed or raised

The corpus (``tests/secrets/corpus/corpus.jsonl``, made by ``tests/secrets/corpus/generate.py``) holds
fabricated credentials in providers' documented shapes and hard negatives (placeholders, references,
values too short for their format, failed checksums, documented example keys, hashes, UUIDs, base64
blobs, public keys, test fixtures). Every sample is scanned as the file it names, through the same
engine the ``secrets`` check uses (one Hyperscan database, the check's one-finding-per-secret rule).

- a positive is **found** when a finding's secret is exactly the planted value (not a part of it,
  not more): a match that ends early or runs past the value counts as a miss;
- a negative is a **false alarm** when anything is reported in it;
- a positive on which a rule of another provider family fires (with ``dedupe`` off, so no rule
  hides behind another) is a **cross-provider** alarm; format families that describe a kind of
  value rather than a provider (private keys, JWTs, URLs with credentials, generic assignments)
  are not counted there.

Only rule ids, sample ids and counts are printed, never a value: the corpus values are fabricated,
but the report must not get people used to seeing credentials in output.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

from gatecheck_plugins.secrets.matcher import Engine
from gatecheck_plugins.secrets.rules import builtin_rules

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "secrets" / "corpus" / "corpus.jsonl"
#: Families that describe a kind of value, not a provider: they may fire on a provider's key too.
FORMAT_FAMILIES = frozenset({"private-key", "jwt", "http-credentials", "database-url", "generic", "framework"})


def load(path: Path = CORPUS) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def evaluate(engine: Engine, rows: list[dict[str, object]]) -> dict[str, object]:
    """Scan every sample; return per-family counts and the lists of misses, false alarms and cross hits."""
    family_of = {r.id: r.family for r in engine.ruleset.rules}
    stats: dict[str, dict[str, int]] = defaultdict(lambda: {"pos": 0, "found": 0, "neg": 0, "alarms": 0, "cross": 0})
    misses: list[tuple[str, str]] = []
    alarms: list[tuple[str, str, str]] = []
    cross: list[tuple[str, str, str]] = []
    for row in rows:
        family, path, text = str(row["family"]), str(row["path"]), str(row["text"]).encode()
        entry = stats[family]
        if row["kind"] == "file-name":
            flagged = [r.id for r in engine.path_matches(path)]
            if row["label"] == "positive":
                entry["pos"] += 1
                entry["found"] += row["rule"] in flagged
                if row["rule"] not in flagged:
                    misses.append((str(row["id"]), str(row["rule"])))
            else:
                entry["neg"] += 1
                entry["alarms"] += bool(flagged)
                alarms.extend((str(row["id"]), str(row["kind"]), rule) for rule in flagged)
            continue
        matches = engine.scan(path, text)
        if row["label"] == "positive":
            entry["pos"] += 1
            value = str(row["value"]).encode()
            hit = any(m.secret == value for m in matches)
            entry["found"] += hit
            if not hit:
                misses.append((str(row["id"]), str(row["rule"])))
            others = {m.rule.id for m in engine.scan(path, text, dedupe=False)
                      if family_of[m.rule.id] != family and family_of[m.rule.id] not in FORMAT_FAMILIES}
            if others:
                entry["cross"] += 1
                cross.extend((str(row["id"]), str(row["rule"]), other) for other in sorted(others))
        else:
            entry["neg"] += 1
            entry["alarms"] += bool(matches)
            alarms.extend((str(row["id"]), str(row["kind"]), m.rule.id) for m in matches)
    return {"families": dict(stats), "misses": misses, "alarms": alarms, "cross": cross}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--misses", action="store_true", help="list the rule ids of misses, false alarms and cross hits")
    args = parser.parse_args()
    rows = load(args.corpus)
    rules = builtin_rules()
    engine = Engine(rules, "auto")
    started = time.process_time()
    result = evaluate(engine, rows)
    elapsed = time.process_time() - started
    families: dict[str, dict[str, int]] = result["families"]  # type: ignore[assignment]
    print(f"{'family':<22} {'pos':>4} {'recall':>7} {'neg':>4} {'false-alarm':>11} {'cross':>5}")
    for name in sorted(families):
        s = families[name]
        recall = f"{s['found'] / s['pos']:.3f}" if s["pos"] else "-"
        rate = f"{s['alarms'] / s['neg']:.3f}" if s["neg"] else "-"
        print(f"{name:<22} {s['pos']:>4} {recall:>7} {s['neg']:>4} {rate:>11} {s['cross']:>5}")
    pos = sum(s["pos"] for s in families.values())
    found = sum(s["found"] for s in families.values())
    neg = sum(s["neg"] for s in families.values())
    alarms = sum(s["alarms"] for s in families.values())
    cross = sum(s["cross"] for s in families.values())
    provider_families = [n for n, s in families.items() if s["pos"]]
    print(f"\n{len(rules.rules)} rules in {len({r.family for r in rules.rules})} families; corpus: {len(rows)} samples "
          f"({pos} positive, {neg} negative) over {len(provider_families)} families with positives")
    print(f"overall: recall {found / pos:.4f} ({found}/{pos}), false alarms {alarms / neg:.4f} ({alarms}/{neg}), "
          f"cross-provider alarms {cross}  [{engine.name}, {elapsed:.2f} s CPU]")
    if args.misses:
        for sample, rule in result["misses"]:  # type: ignore[attr-defined]
            print(f"  missed    {sample}  {rule}")
        for sample, kind, rule in result["alarms"]:  # type: ignore[attr-defined]
            print(f"  alarm     {sample}  {kind:<18} {rule}")
        for sample, rule, other in result["cross"]:  # type: ignore[attr-defined]
            print(f"  cross     {sample}  {rule} <- {other}")
    ok = found / pos >= 0.97 and alarms / neg <= 0.05 and cross == 0
    print("target (recall >= 0.97, false alarms <= 0.05, no cross-provider alarm):", "MET" if ok else "NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
