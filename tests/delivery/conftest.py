"""Fixtures: a database file, a manual clock, a loopback receiver and an engine factory."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from delivery_helpers import EngineFactory, open_db, plain_secrets
from receiver import Receiver

from cortexbuild_sdk.local.clock import ManualClock
from cortexbuild_sdk.local.delivery import DeliveryEngine
from cortexbuild_sdk.local.store import Database


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_db(tmp_path / "delivery.db")
    yield database
    database.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


@pytest.fixture
def make_engine(db: Database, clock: ManualClock) -> Iterator[EngineFactory]:
    engines: list[DeliveryEngine] = []

    def make(**kwargs: Any) -> DeliveryEngine:
        kwargs.setdefault("clock", clock)
        kwargs.setdefault("signing_secrets", plain_secrets)
        kwargs.setdefault("rng", random.Random(1234))
        kwargs.setdefault("poll_interval", 0.05)
        engine = DeliveryEngine(kwargs.pop("database", db), **kwargs)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.close()
