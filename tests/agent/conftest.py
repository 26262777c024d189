"""Fixtures of the console tests: one staff member of each role, signed in on their own client."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from subdesk.clock import TestClock
from subdesk.context import Runtime
from subdesk.db import Database
from tests.agent.console import Console, Member, console, enrol


@pytest.fixture
def agent(database: Database, runtime: Runtime) -> Member:
    return enrol(database, runtime, "agent")


@pytest.fixture
def supervisor(database: Database, runtime: Runtime) -> Member:
    return enrol(database, runtime, "supervisor")


@pytest.fixture
def admin(database: Database, runtime: Runtime) -> Member:
    return enrol(database, runtime, "admin")


@pytest.fixture
def as_agent(app: FastAPI, clock: TestClock, agent: Member) -> Console:
    return console(app, clock, agent)


@pytest.fixture
def as_supervisor(app: FastAPI, clock: TestClock, supervisor: Member) -> Console:
    return console(app, clock, supervisor)


@pytest.fixture
def as_admin(app: FastAPI, clock: TestClock, admin: Member) -> Console:
    return console(app, clock, admin)
