"""The attestation store: an append-only, hash-chained table of verified envelopes.

One code path for SQLite (``sqlite:///path``, the default) and PostgreSQL
(``postgresql://user@host/db``, through psycopg 3): every query is SQLAlchemy Core; the only
per-database code sets SQLite's connection pragmas and picks the psycopg driver.

Nothing is stored before it verifies: :meth:`Store.push` checks every envelope's signatures
against the trust roots it is given (the attestation verifier's own
:func:`~gatecheck.attest.verify.check_envelope`), refuses and reports the ones that fail,
and fails the whole push with a ``file:line`` error (exit 2) when any line is malformed, so
a damaged bundle stores nothing. There is no update or delete.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from gatecheck.attest import PAYLOAD_TYPE, VSA_PREDICATE_TYPE
from gatecheck.attest.dsse import MALFORMED, EnvelopeError
from gatecheck.attest.statement import Subject
from gatecheck.attest.verify import EnvelopeRecord, VerifyOptions, check_envelope
from gatecheck.attest.vsa import Verdict, parse_predicate
from gatecheck.errors import BadInput, GatecheckError
from gatecheck.redact import scrub
from gatecheck.store import schema
from gatecheck.store.chain import ChainProblem, ChainReport, record_hash
from gatecheck.store.records import PushResult, Refusal, StoredRecord, timestamp

#: Extension fields of a VSA predicate the store indexes when present (URIs, as the VSA spec asks).
REPOSITORY_FIELD = "https://gatecheck.dev/attestation/vsa/repository"
COMMIT_FIELD = "https://gatecheck.dev/attestation/vsa/commit"

_BATCH = 500
#: Reason codes that mean "this line is not a well-formed envelope" (bad input), not "not trusted".
_MALFORMED_CODES = {MALFORMED}


def normalise_url(url: str) -> str:
    """Map the URLs users write to SQLAlchemy URLs: ``postgresql://`` uses psycopg 3; a bare path is SQLite."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    scheme, rest = url.split("://", 1)
    if scheme in ("postgresql", "postgres"):
        return f"postgresql+psycopg://{rest}"
    if scheme in ("postgresql+psycopg", "sqlite"):
        return url
    raise BadInput(f"unsupported store URL scheme {scheme!r} (use sqlite:///PATH or postgresql://...)", key="--store")


def display_url(url: str) -> str:
    """The URL with any password hidden, for messages (a token given as the user name is masked too)."""
    try:
        return scrub(sa.engine.make_url(normalise_url(url)).render_as_string(hide_password=True))
    except (sa.exc.ArgumentError, BadInput):
        return "<unparsable store URL>"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the admission server read while `store push` appends; busy_timeout makes a
    # second writer wait for the first instead of failing.
    # busy_timeout first: switching to WAL itself needs the write lock, and without the
    # timeout a second process opening the store at that moment fails at once.
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _split_source(source: str) -> tuple[str, int | None]:
    path, _, line = source.rpartition(":")
    if path and line.isdigit():
        return path, int(line)
    return source, None


def _vsa_fields(verdict: Verdict) -> dict[str, Any]:
    digest = verdict.policy_digest.get("sha256")
    return {
        "verdict": verdict.result,
        "policy_digest": f"sha256:{digest}" if digest else None,
        "verifier_id": verdict.verifier_id,
        "stage": verdict.stage,
        "time_verified": timestamp(verdict.time_verified),
    }


class Store:
    """An open attestation store. Create with :meth:`open`; safe to share between threads."""

    def __init__(self, engine: sa.Engine, url: str) -> None:
        self.engine = engine
        self.url = url

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        """Connect to the store at ``url`` and bring its schema up to date."""
        sa_url = normalise_url(url)
        kwargs: dict[str, Any] = {}
        if sa_url.startswith("sqlite"):
            target = sa.engine.make_url(sa_url).database
            if target and target != ":memory:":
                Path(target).parent.mkdir(parents=True, exist_ok=True)
        else:
            kwargs.update(pool_pre_ping=True, pool_size=8, max_overflow=8)
        try:
            engine = sa.create_engine(sa_url, **kwargs)
        except (sa.exc.ArgumentError, ImportError) as exc:
            raise BadInput(f"cannot use store URL {display_url(url)}: {exc}", key="--store") from None
        if engine.dialect.name == "sqlite":
            sa.event.listen(engine, "connect", _sqlite_pragmas)
        store = cls(engine, url)
        if migrate:
            try:
                schema.migrate(engine)
            except sa.exc.OperationalError as exc:
                engine.dispose()
                raise GatecheckError(f"cannot open store {display_url(url)}: {exc.orig or exc}") from None
        return store

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------

    def push(self, entries: Sequence[tuple[str, bytes]], options: VerifyOptions, *,
             repository: str | None = None, commit: str | None = None) -> PushResult:
        """Verify and store ``(file:line, envelope bytes)`` entries; one transaction for all of them.

        Raises BadInput (naming the first malformed line) before anything is written when any
        entry is malformed. Envelopes that parse but do not verify are refused and reported.
        """
        options.validate()
        # A repository URL is often a checkout's remote, token included: only its scrubbed form
        # is ever indexed (the envelope is stored byte for byte, as signed).
        repository = _repository(repository)
        for value, limit, key in ((repository, 500, "--repo"), (commit, 100, "--commit")):
            if value is not None and len(value) > limit:
                raise BadInput(f"is {len(value)} characters long; the store holds at most {limit}", key=key)
        checked: list[tuple[EnvelopeRecord, dict[str, Any]]] = []
        malformed: list[tuple[str, str]] = []
        result = PushResult()
        for source, raw in entries:
            record = check_envelope(source, raw, options)
            if record.problem is not None:
                if record.problem.code in _MALFORMED_CODES:
                    malformed.append((source, record.problem.message))
                else:
                    result.refused.append(Refusal(source, record.digest, record.problem.code, record.problem.message))
                continue
            assert record.statement is not None
            facts: dict[str, Any] = {"verdict": None, "policy_digest": None, "verifier_id": None,
                                     "stage": None, "time_verified": None}
            st = record.statement
            if st.predicate_type == VSA_PREDICATE_TYPE:
                try:
                    verdict = parse_predicate(st.predicate)
                except EnvelopeError as exc:
                    malformed.append((source, exc.message))
                    continue
                facts.update(_vsa_fields(verdict))
                inputs = [d for _, d in verdict.inputs]
                facts["repository"] = repository or _repository(_text(st.predicate.get(REPOSITORY_FIELD)))
                facts["commit"] = commit or _text(st.predicate.get(COMMIT_FIELD))
            else:
                stage = st.predicate.get("stage")
                facts["stage"] = stage if isinstance(stage, str) else None
                facts["repository"] = repository
                facts["commit"] = commit
                inputs = []
            facts["_inputs"] = inputs
            too_long = _too_long(st.predicate_type, facts, st.subject)
            if too_long:
                malformed.append((source, too_long))
                continue
            checked.append((record, facts))
        if malformed:
            first_source, message = malformed[0]
            path, line = _split_source(first_source)
            more = f" (and {len(malformed) - 1} more malformed line(s))" if len(malformed) > 1 else ""
            raise BadInput(f"malformed envelope: {message}{more}; nothing was stored", path=path, line=line)
        if checked:
            self._append(checked, result)
        return result

    def _append(self, checked: list[tuple[EnvelopeRecord, dict[str, Any]]], result: PushResult) -> None:
        t = schema.attestations
        now = timestamp(datetime.now(UTC))
        with self.engine.begin() as conn:
            # Taking the head row's write lock first serialises appenders on both databases.
            conn.execute(sa.update(schema.chain_head).where(schema.chain_head.c.id == 1)
                         .values(seq=schema.chain_head.c.seq))
            head = conn.execute(sa.select(schema.chain_head.c.seq, schema.chain_head.c.record_hash)
                                .where(schema.chain_head.c.id == 1)).one()
            seq, prev = int(head.seq), str(head.record_hash)
            digests = [r.digest for r, _ in checked]
            existing: set[str] = set()
            for i in range(0, len(digests), _BATCH):
                chunk = digests[i:i + _BATCH]
                existing.update(conn.execute(sa.select(t.c.digest).where(t.c.digest.in_(chunk))).scalars())
            rows: list[dict[str, Any]] = []
            subject_rows: list[dict[str, Any]] = []
            signer_rows: list[dict[str, Any]] = []
            input_rows: list[dict[str, Any]] = []
            for record, facts in checked:
                if record.digest in existing:
                    result.duplicates.append((record.source, record.digest))
                    continue
                existing.add(record.digest)
                assert record.statement is not None and record.signatures is not None
                seq += 1
                subjects = [(s.name, alg, value) for s in record.statement.subject for alg, value in s.digest.items()]
                keyids = sorted(record.signatures.accepted)
                inputs: list[str] = facts.pop("_inputs")
                row = {
                    "seq": seq, "digest": record.digest, "envelope": record.raw,
                    "payload_type": PAYLOAD_TYPE,
                    "predicate_type": record.statement.predicate_type,
                    "source": record.source[:1000], "stored_at": now, **facts,
                }
                row["prev_hash"] = prev
                row["record_hash"] = prev = record_hash(row, subjects, keyids, inputs, prev)
                rows.append(row)
                subject_rows += [{"seq": seq, "name": n, "algorithm": a, "digest": d} for n, a, d in subjects]
                signer_rows += [{"seq": seq, "keyid": k} for k in keyids]
                input_rows += [{"seq": seq, "digest": d} for d in inputs]
                result.stored.append(_record(row, subjects, keyids, inputs))
            if rows:
                conn.execute(sa.insert(t), rows)
                if subject_rows:
                    conn.execute(sa.insert(schema.subjects), subject_rows)
                if signer_rows:
                    conn.execute(sa.insert(schema.signers), signer_rows)
                if input_rows:
                    conn.execute(sa.insert(schema.inputs), input_rows)
                conn.execute(sa.update(schema.chain_head).where(schema.chain_head.c.id == 1)
                             .values(seq=seq, record_hash=prev))

    def log_admissions(self, rows: Sequence[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
        """Append admission decisions (see :data:`gatecheck.store.schema.admissions`); return the ones not written.

        Each row is fitted to the table first (:func:`~gatecheck.store.schema.fit_admission`: long
        values cut and marked), then all go in one transaction. Should the database still refuse
        that, each row goes in its own transaction, so a record it refuses never takes the others
        with it; the refused ones come back, fitted, each with the database's reason. When the
        database cannot be reached at all (OperationalError) the rows not yet written come back with
        that reason instead of being tried one by one.
        """
        def reason(exc: Exception) -> str:
            cause = exc.orig if isinstance(exc, sa.exc.DBAPIError) and exc.orig is not None else exc
            # The first line only: PostgreSQL's DETAIL line repeats the whole row.
            return f"{type(cause).__name__}: {(str(cause).splitlines() or [''])[0]}"

        fitted = [schema.fit_admission(row) for row in rows]
        if not fitted:
            return []
        insert = sa.insert(schema.admissions)
        try:
            with self.engine.begin() as conn:
                conn.execute(insert, fitted)
            return []
        except sa.exc.OperationalError as exc:
            return [(row, reason(exc)) for row in fitted]
        except Exception:
            # One row the database refuses fails the whole batch: write them one by one below.
            pass
        failed: list[tuple[dict[str, Any], str]] = []
        for i, row in enumerate(fitted):
            try:
                with self.engine.begin() as conn:
                    conn.execute(insert, row)
            except sa.exc.OperationalError as exc:
                return failed + [(rest, reason(exc)) for rest in fitted[i:]]
            except Exception as exc:  # returned with its reason: the caller reports it
                failed.append((row, reason(exc)))
        return failed

    # -- reading ---------------------------------------------------------------------------

    def head(self) -> tuple[int, str]:
        """The newest record's ``seq`` and hash (0 and the genesis hash for an empty store)."""
        with self.engine.connect() as conn:
            row = conn.execute(_HEAD_QUERY).one()
        return int(row.seq), str(row.record_hash)

    def subject_generation(self, subject: dict[str, str]) -> int:
        """The newest record about ``subject`` (0 if none): changes exactly when a push adds one.

        An index-only read; the admission server's verdict cache is keyed on it, so a push about
        one image does not throw away what is cached about the others.
        """
        newest = 0
        with self.engine.connect() as conn:
            for alg, value in subject.items():
                newest = max(newest, int(conn.execute(_GENERATION_QUERY, {"alg": alg, "digest": value}).scalar() or 0))
        return newest

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(schema.attestations)).scalar() or 0)

    def search(
        self,
        *,
        subject: str | None = None,
        repository: str | None = None,
        commit: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        verdict: str | None = None,
        predicate_type: str | None = None,
        policy_digest: str | None = None,
        keyid: str | None = None,
        limit: int | None = 100,
        newest_first: bool = True,
    ) -> list[StoredRecord]:
        """Records matching every filter given; ``subject`` is ``ALG:HEX`` (``sha256:...``)."""
        t = schema.attestations
        query = sa.select(t.c.seq)
        if subject is not None:
            alg, hexval = parse_digest(subject)
            s = schema.subjects
            query = query.where(t.c.seq.in_(sa.select(s.c.seq).where(s.c.algorithm == alg, s.c.digest == hexval)))
        if keyid is not None:
            k = schema.signers
            query = query.where(t.c.seq.in_(sa.select(k.c.seq).where(k.c.keyid == keyid)))
        if repository is not None:
            # Stored repositories are scrubbed; a filter given with its credentials finds them too.
            query = query.where(t.c.repository == _repository(repository))
        if commit is not None:
            query = query.where(t.c.commit == commit)
        if since is not None:
            query = query.where(t.c.stored_at >= timestamp(since))
        if until is not None:
            query = query.where(t.c.stored_at < timestamp(until))
        if verdict is not None:
            query = query.where(t.c.verdict == verdict.upper())
        if predicate_type is not None:
            query = query.where(t.c.predicate_type == predicate_type)
        if policy_digest is not None:
            query = query.where(t.c.policy_digest == _prefixed(policy_digest))
        query = query.order_by(t.c.seq.desc() if newest_first else t.c.seq)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            seqs = list(conn.execute(query).scalars())
            return self._load(conn, seqs)

    def get(self, ident: str | int) -> StoredRecord | None:
        """One record, envelope included, by id (``seq``) or by envelope digest ``sha256:HEX``."""
        t = schema.attestations
        text = str(ident)
        if text.isdigit():
            where = t.c.seq == int(text)
        else:
            alg, hexval = parse_digest(text)
            if alg != "sha256":
                raise BadInput("an envelope digest is sha256:HEX", key="ID")
            where = t.c.digest == hexval
        with self.engine.connect() as conn:
            seq = conn.execute(sa.select(t.c.seq).where(where)).scalar()
            if seq is None:
                return None
            return self._load(conn, [int(seq)], with_envelope=True)[0]

    def _load(self, conn: Connection, seqs: list[int], *, with_envelope: bool = False) -> list[StoredRecord]:
        if not seqs:
            return []
        t = schema.attestations
        columns = [c for c in t.c if with_envelope or c.name != "envelope"]
        by_seq: dict[int, StoredRecord] = {}
        for i in range(0, len(seqs), _BATCH):
            chunk = seqs[i:i + _BATCH]
            for row in conn.execute(sa.select(*columns).where(t.c.seq.in_(chunk))).mappings():
                by_seq[int(row["seq"])] = _record(row, [], [], [])
            self._attach_sides(conn, by_seq, chunk)
        return [by_seq[s] for s in seqs if s in by_seq]

    @staticmethod
    def _attach_sides(conn: Connection, by_seq: dict[int, StoredRecord], chunk: Sequence[int]) -> None:
        s, k, n = schema.subjects, schema.signers, schema.inputs
        for row in conn.execute(sa.select(s.c.seq, s.c.name, s.c.algorithm, s.c.digest).where(s.c.seq.in_(chunk))):
            by_seq[int(row.seq)].subjects.append((row.name, row.algorithm, row.digest))
        for seq, keyid in conn.execute(sa.select(k.c.seq, k.c.keyid).where(k.c.seq.in_(chunk))):
            by_seq[int(seq)].signers.append(keyid)
        for seq, digest in conn.execute(sa.select(n.c.seq, n.c.digest).where(n.c.seq.in_(chunk))):
            by_seq[int(seq)].inputs.append(digest)

    def iter_records(self, *, with_envelope: bool = True, batch: int = _BATCH) -> Iterator[StoredRecord]:
        """Every record in chain order, loaded a batch at a time (for audits and the chain check)."""
        t = schema.attestations
        columns = [c for c in t.c if with_envelope or c.name != "envelope"]
        after = 0
        while True:
            with self.engine.connect() as conn:
                rows = list(conn.execute(sa.select(*columns).where(t.c.seq > after).order_by(t.c.seq)
                                         .limit(batch)).mappings())
                if not rows:
                    return
                by_seq = {int(r["seq"]): _record(r, [], [], []) for r in rows}
                self._attach_sides(conn, by_seq, list(by_seq))
            yield from by_seq.values()
            after = int(rows[-1]["seq"])

    def verdicts_since(self, since: datetime) -> list[StoredRecord]:
        """Every stored VSA whose ``timeVerified`` is at or after ``since``, oldest first, envelopes loaded."""
        t = schema.attestations
        with self.engine.connect() as conn:
            seqs = list(conn.execute(
                sa.select(t.c.seq).where(t.c.predicate_type == VSA_PREDICATE_TYPE,
                                         t.c.time_verified >= timestamp(since))
                .order_by(t.c.time_verified, t.c.seq)).scalars())
            return self._load(conn, seqs, with_envelope=True)

    def verdict_entries(self, subject: dict[str, str]) -> list[tuple[str, bytes]]:
        """Every stored VSA about ``subject`` (a DigestSet) and every input attestation they list.

        This is what the verifier needs to decide about the subject, read with one indexed
        query per digest algorithm (built once: the admission server calls this on every
        cache miss); the entries' sources are ``store:ID``.
        """
        found: list[tuple[str, bytes]] = []
        with self.engine.connect() as conn:
            for alg, value in subject.items():
                rows = conn.execute(_VERDICT_QUERY, {"alg": alg, "digest": value}).all()
                found += [(f"store:{seq}", bytes(envelope)) for seq, envelope in rows]
        return found

    def admissions_since(self, since: datetime) -> list[RowMapping]:
        a = schema.admissions
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(a).where(a.c.at >= timestamp(since)).order_by(a.c.id)).mappings())

    def ping(self) -> int:
        """The schema version, after reading the tables a decision reads (for readiness probes)."""
        with self.engine.connect() as conn:
            conn.execute(_HEAD_QUERY).one()
            conn.execute(_GENERATION_QUERY, {"alg": "sha256", "digest": ""}).scalar()
            return schema.current_version(conn)

    # -- tamper evidence ---------------------------------------------------------------------

    def check(self, *, expect_head: str | None = None) -> ChainReport:
        """Walk the whole chain and report every record that was changed, removed or reordered."""
        problems: list[ChainProblem] = []
        prev = schema.GENESIS_HASH
        expected_seq = 1
        count = 0
        last_seq = 0
        for rec in self.iter_records(with_envelope=True):
            count += 1
            if rec.seq != expected_seq:
                problems.append(ChainProblem(rec.seq, "SEQUENCE_GAP",
                                             f"record {rec.seq} follows record {expected_seq - 1}: "
                                             f"{rec.seq - expected_seq} record(s) missing"))
            assert rec.envelope is not None
            if hashlib.sha256(rec.envelope).hexdigest() != rec.digest:
                problems.append(ChainProblem(rec.seq, "ENVELOPE_CHANGED",
                                             f"record {rec.seq}: the envelope bytes do not hash to sha256:{rec.digest}"))
            row = {
                "seq": rec.seq, "digest": rec.digest, "payload_type": rec.payload_type,
                "predicate_type": rec.predicate_type, "verdict": rec.verdict, "policy_digest": rec.policy_digest,
                "verifier_id": rec.verifier_id, "stage": rec.stage, "time_verified": rec.time_verified,
                "repository": rec.repository, "commit": rec.commit, "source": rec.source, "stored_at": rec.stored_at,
            }
            if rec.prev_hash != prev:
                problems.append(ChainProblem(rec.seq, "LINK_BROKEN",
                                             f"record {rec.seq} links to {rec.prev_hash[:16]}..., but the record "
                                             f"before it hashes to {prev[:16]}..."))
            computed = record_hash(row, rec.subjects, rec.signers, rec.inputs, rec.prev_hash)
            if computed != rec.record_hash:
                problems.append(ChainProblem(rec.seq, "RECORD_CHANGED",
                                             f"record {rec.seq} was changed after it was stored (its hash is "
                                             f"{computed[:16]}..., the chain says {rec.record_hash[:16]}...)"))
            prev = rec.record_hash
            expected_seq = rec.seq + 1
            last_seq = rec.seq
        head_seq, head_hash = self.head()
        if head_seq != last_seq or head_hash != prev:
            problems.append(ChainProblem(head_seq, "HEAD_MISMATCH",
                                         f"the chain head says record {head_seq} ({head_hash[:16]}...), the last record "
                                         f"is {last_seq} ({prev[:16]}...)"))
        if expect_head is not None and expect_head.lower() not in (head_hash, f"{head_seq}:{head_hash}"):
            problems.append(ChainProblem(head_seq, "HEAD_MISMATCH",
                                         f"the head is {head_seq}:{head_hash}, not the expected {expect_head}"))
        return ChainReport(count, head_seq, head_hash, problems)


def _verdict_query() -> sa.CompoundSelect[int, bytes]:
    t, s, n = schema.attestations, schema.subjects, schema.inputs
    vsas = (sa.select(t.c.seq).join(s, s.c.seq == t.c.seq)
            .where(s.c.algorithm == sa.bindparam("alg"), s.c.digest == sa.bindparam("digest"),
                   t.c.predicate_type == VSA_PREDICATE_TYPE))
    return sa.union_all(
        sa.select(t.c.seq, t.c.envelope).where(t.c.seq.in_(vsas)),
        sa.select(t.c.seq, t.c.envelope).where(t.c.digest.in_(sa.select(n.c.digest).where(n.c.seq.in_(vsas)))),
    )


# Built once: constructing a statement costs more than running it on an indexed lookup.
_HEAD_QUERY = sa.select(schema.chain_head.c.seq, schema.chain_head.c.record_hash).where(schema.chain_head.c.id == 1)
_VERDICT_QUERY = _verdict_query()
_GENERATION_QUERY = sa.select(sa.func.max(schema.subjects.c.seq)).where(
    schema.subjects.c.algorithm == sa.bindparam("alg"), schema.subjects.c.digest == sa.bindparam("digest"))


def parse_digest(text: str) -> tuple[str, str]:
    """``ALG:HEX`` (also ``NAME@sha256:HEX``) to ``(alg, hex)``; BadInput otherwise."""
    value = text.rsplit("@", 1)[-1]
    alg, sep, hexval = value.partition(":")
    if not sep or not alg or not hexval or not all(c in "0123456789abcdefABCDEF" for c in hexval):
        raise BadInput(f"{text!r} is not a digest ALG:HEX (for example sha256:...)", key="--subject")
    return alg, hexval.lower()


def _prefixed(digest: str) -> str:
    return digest if ":" in digest else f"sha256:{digest}"


def _too_long(predicate_type: str, facts: dict[str, Any], subjects: Sequence[Subject]) -> str | None:
    """A message when a value is longer than its column holds (PostgreSQL would refuse it mid-push)."""
    limits = {"predicate_type": (predicate_type, 500), "verifier_id": (facts.get("verifier_id"), 500),
              "stage": (facts.get("stage"), 40), "policy_digest": (facts.get("policy_digest"), 200),
              "repository": (facts.get("repository"), 500), "commit": (facts.get("commit"), 100)}
    for name, (value, limit) in limits.items():
        if isinstance(value, str) and len(value) > limit:
            return f"{name} is {len(value)} characters long; the store holds at most {limit}"
    for i, subject in enumerate(subjects):
        if len(subject.name) > 1000:
            return f"subject[{i}].name is over 1000 characters"
        for alg, value in subject.digest.items():
            if len(alg) > 20 or len(value) > 128:
                return f"subject[{i}].digest.{alg[:20]} is longer than the store holds (20-character name, 128-character value)"
    return None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _repository(value: str | None) -> str | None:
    """A repository as the store indexes it: credentials in a URL masked."""
    return scrub(value) if value else None


def _record(row: Any, subjects: list[tuple[str, str, str]], signers: list[str], inputs: list[str]) -> StoredRecord:
    envelope = row.get("envelope")
    return StoredRecord(
        seq=int(row["seq"]), digest=row["digest"], payload_type=row["payload_type"],
        predicate_type=row["predicate_type"], verdict=row["verdict"], policy_digest=row["policy_digest"],
        verifier_id=row["verifier_id"], stage=row["stage"], time_verified=row["time_verified"],
        repository=row["repository"], commit=row["commit"], source=row["source"], stored_at=row["stored_at"],
        prev_hash=row["prev_hash"], record_hash=row["record_hash"], subjects=list(subjects), signers=list(signers),
        inputs=list(inputs), envelope=bytes(envelope) if envelope is not None else None,
    )


def dumps(data: Any) -> str:
    """JSON output of the store commands: indented, keys in the order written."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
