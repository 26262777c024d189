"""The sandbox processor's memory: answers by idempotency key and by reference, refunds per charge.

Like a real processor it can forget idempotency keys (`forget_keys`, as Stripe
does after 24 hours) while it keeps every payment's metadata (the reference).

In memory for one process, or in its own SQLite file so that several processes
(API and workers, or a worker killed and restarted) share one processor, as
they would share a real one.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from subdesk.billing.gateway import AuthenticationRequired, CardDeclined, Charge, RefundReceipt
from subdesk.money import Money

Answer = Charge | RefundReceipt | CardDeclined | AuthenticationRequired
Decided = Charge | CardDeclined | AuthenticationRequired
CHUNK = 500  # keys per `IN (...)`, well inside SQLite's limit on parameters


class Ledger(Protocol):
    def lookup(self, key: str) -> Answer | None: ...

    def lookup_many(self, keys: Sequence[str]) -> dict[str, Answer]:
        """The answers kept for those of `keys` that have one."""
        ...

    def settle_many(
        self, answers: Mapping[str, Decided], references: Mapping[str, str] | None = None
    ) -> dict[str, Answer]:
        """Keep each answer for its key (and its reference, if any) unless one is kept
        already; return the kept ones."""
        ...

    def refund_once(
        self, key: str, receipt: RefundReceipt, captured: int, reference: str | None = None
    ) -> RefundReceipt | None:
        """Record the refund unless it would exceed `captured`; a repeated key returns the first."""
        ...

    def by_reference(self, reference: str) -> Answer | None:
        """The latest answer given to the request made with this reference."""
        ...

    def replace(self, reference: str, answer: Answer) -> None:
        """A payment's later outcome (the customer authenticated): kept for its reference."""
        ...

    def forget_keys(self) -> None:
        """Forget every idempotency key, keeping the payments and their references."""
        ...

    def captures(self) -> int: ...

    def refunded(self, charge_id: str) -> int: ...


class MemoryLedger:
    def __init__(self) -> None:
        self._answers: dict[str, Answer] = {}
        self._references: dict[str, Answer] = {}
        self._refunded: dict[str, int] = {}
        self._lock = threading.Lock()

    def lookup(self, key: str) -> Answer | None:
        with self._lock:
            return self._answers.get(key)

    def lookup_many(self, keys: Sequence[str]) -> dict[str, Answer]:
        with self._lock:
            return {key: self._answers[key] for key in keys if key in self._answers}

    def settle_many(
        self, answers: Mapping[str, Decided], references: Mapping[str, str] | None = None
    ) -> dict[str, Answer]:
        with self._lock:
            kept = {key: self._answers.setdefault(key, answer) for key, answer in answers.items()}
            for key, reference in (references or {}).items():
                if key in kept:
                    self._references.setdefault(reference, kept[key])
            return kept

    def refund_once(
        self, key: str, receipt: RefundReceipt, captured: int, reference: str | None = None
    ) -> RefundReceipt | None:
        with self._lock:
            earlier = self._answers.get(key)
            if isinstance(earlier, RefundReceipt):
                return earlier
            already = self._refunded.get(receipt.charge_id, 0)
            if already + receipt.amount.amount > captured:
                return None
            self._refunded[receipt.charge_id] = already + receipt.amount.amount
            self._answers[key] = receipt
            if reference is not None:
                self._references[reference] = receipt
            return receipt

    def by_reference(self, reference: str) -> Answer | None:
        with self._lock:
            return self._references.get(reference)

    def replace(self, reference: str, answer: Answer) -> None:
        with self._lock:
            self._references[reference] = answer

    def forget_keys(self) -> None:
        with self._lock:
            self._answers.clear()

    def captures(self) -> int:
        with self._lock:
            answers = [*self._answers.values(), *self._references.values()]
            return len({a.charge_id for a in answers if isinstance(a, Charge)})

    def refunded(self, charge_id: str) -> int:
        with self._lock:
            return self._refunded.get(charge_id, 0)


class SqliteLedger:
    """Shared by every process that opens the same file; each call is one transaction."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._local = threading.local()
        with self._connect() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, answer TEXT NOT NULL)"
            )
            db.execute(
                "CREATE TABLE IF NOT EXISTS refunded (charge_id TEXT PRIMARY KEY, amount INTEGER)"
            )
            db.execute(
                "CREATE TABLE IF NOT EXISTS refs (reference TEXT PRIMARY KEY, answer TEXT NOT NULL)"
            )

    def _connect(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self._path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            self._local.db = db
        return db

    def lookup(self, key: str) -> Answer | None:
        row = self._connect().execute("SELECT answer FROM answers WHERE key = ?", (key,)).fetchone()
        return _load(row[0]) if row else None

    def lookup_many(self, keys: Sequence[str]) -> dict[str, Answer]:
        db, found = self._connect(), dict[str, Answer]()
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT key, answer FROM answers WHERE key IN ({marks})"  # noqa: S608 - only placeholders
            found.update((key, _load(answer)) for key, answer in db.execute(query, chunk))
        return found

    def settle_many(
        self, answers: Mapping[str, Decided], references: Mapping[str, str] | None = None
    ) -> dict[str, Answer]:
        """One transaction: all of them are kept, or (if the process dies) none."""
        db = self._connect()
        db.execute("BEGIN IMMEDIATE")
        try:
            rows = [(key, _dump(answer)) for key, answer in answers.items()]
            db.executemany("INSERT OR IGNORE INTO answers (key, answer) VALUES (?, ?)", rows)
            kept = self.lookup_many(list(answers))
            refs = [
                (ref, _dump(kept[key])) for key, ref in (references or {}).items() if key in kept
            ]
            db.executemany("INSERT OR IGNORE INTO refs (reference, answer) VALUES (?, ?)", refs)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return kept

    def refund_once(
        self, key: str, receipt: RefundReceipt, captured: int, reference: str | None = None
    ) -> RefundReceipt | None:
        db = self._connect()
        db.execute("BEGIN IMMEDIATE")
        try:
            earlier = self.lookup(key)
            if isinstance(earlier, RefundReceipt):
                return earlier
            row = db.execute(
                "SELECT amount FROM refunded WHERE charge_id = ?", (receipt.charge_id,)
            ).fetchone()
            already = row[0] if row else 0
            if already + receipt.amount.amount > captured:
                return None
            db.execute(
                "INSERT OR REPLACE INTO refunded (charge_id, amount) VALUES (?, ?)",
                (receipt.charge_id, already + receipt.amount.amount),
            )
            db.execute("INSERT INTO answers (key, answer) VALUES (?, ?)", (key, _dump(receipt)))
            if reference is not None:
                db.execute(
                    "INSERT OR REPLACE INTO refs (reference, answer) VALUES (?, ?)",
                    (reference, _dump(receipt)),
                )
            return receipt
        finally:
            db.execute("COMMIT")

    def by_reference(self, reference: str) -> Answer | None:
        query = "SELECT answer FROM refs WHERE reference = ?"
        row = self._connect().execute(query, (reference,)).fetchone()
        return _load(row[0]) if row else None

    def replace(self, reference: str, answer: Answer) -> None:
        self._connect().execute(
            "INSERT OR REPLACE INTO refs (reference, answer) VALUES (?, ?)",
            (reference, _dump(answer)),
        )

    def forget_keys(self) -> None:
        self._connect().execute("DELETE FROM answers")

    def refunded(self, charge_id: str) -> int:
        query = "SELECT amount FROM refunded WHERE charge_id = ?"
        row = self._connect().execute(query, (charge_id,)).fetchone()
        return int(row[0]) if row else 0

    def captures(self) -> int:
        db = self._connect()
        rows = db.execute("SELECT answer FROM answers UNION ALL SELECT answer FROM refs")
        return len({a.charge_id for (text,) in rows if isinstance(a := _load(text), Charge)})


def _dump(answer: Answer) -> str:
    if isinstance(answer, Charge):
        return json.dumps(
            ["charge", answer.charge_id, answer.amount.amount, answer.amount.currency]
        )
    if isinstance(answer, RefundReceipt):
        money = answer.amount
        return json.dumps(
            ["refund", answer.refund_id, answer.charge_id, money.amount, money.currency]
        )
    if isinstance(answer, AuthenticationRequired):
        return json.dumps(["authenticate", answer.payment_ref, answer.message])
    return json.dumps(["decline", answer.decline_code, answer.message, answer.hard])


def _load(text: str) -> Answer:
    kind, *rest = json.loads(text)
    if kind == "charge":
        return Charge(rest[0], Money(rest[1], rest[2]))
    if kind == "refund":
        return RefundReceipt(rest[0], rest[1], Money(rest[2], rest[3]))
    if kind == "authenticate":
        return AuthenticationRequired(rest[1], payment_ref=rest[0])
    return CardDeclined(rest[1], decline_code=rest[0], hard=rest[2])
