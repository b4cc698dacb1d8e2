"""Rule-book versions in storage: each save keeps the one before, pages newest first, and of
saves racing on one version exactly one wins (real races on DynamoDB Local)."""
from __future__ import annotations

import json
import uuid

import pytest

from chalicelib import config, errors, rulebook
from chalicelib.operators.audit import Who
from tests.integration.helpers import race


def book() -> str:
    return "test-" + uuid.uuid4().hex[:10]  # the store takes any name; the routes only the five books


def test_each_save_is_a_version_listed_newest_first_in_pages():
    name, who = book(), Who("ana", "Ana")
    for n in range(1, 4):
        saved = rulebook.save(name, {"n": n}, now=config.utcnow(), by=who, expected=n - 1)
        assert saved.version == n
    assert rulebook.current(name) == ({"n": 3}, 3)
    first, cursor = rulebook.versions(name, limit=2)
    assert [(v.version, v.body, v.saved_by_name) for v in first] == [(3, {"n": 3}, "Ana"), (2, {"n": 2}, "Ana")]
    rest, end = rulebook.versions(name, limit=2, before=cursor)
    assert [v.version for v in rest] == [1] and end is None
    assert rulebook.version(name, 1).body == {"n": 1}
    with pytest.raises(errors.RulesVersionNotFound):
        rulebook.version(name, 9)


def test_a_stale_version_is_refused_and_changes_nothing():
    name = book()
    rulebook.save(name, {"n": 1}, now=config.utcnow())
    with pytest.raises(errors.RulesVersionStale):
        rulebook.save(name, {"n": 2}, now=config.utcnow(), expected=0)
    assert rulebook.current(name) == ({"n": 1}, 1)


def test_a_document_from_before_versions_is_kept_as_the_version_before_the_next_save():
    name = book()
    rulebook.Rule(name, body=json.dumps({"old": True}), updated_at=config.utcnow()).save()  # no version attribute
    assert rulebook.current(name) == ({"old": True}, 0)
    saved = rulebook.save(name, {"new": True}, now=config.utcnow(), expected=0)
    assert [(v.version, v.body) for v in rulebook.versions(name, limit=10)[0]] == [(2, {"new": True}), (1, {"old": True})]
    assert saved.version == 2 and rulebook.current(name) == ({"new": True}, 2)


def test_after_the_document_is_deleted_by_hand_versions_go_on_after_the_last():
    name = book()
    rulebook.save(name, {"n": 1}, now=config.utcnow())
    rulebook.Rule(name).delete()  # back to the defaults (as the bad-input tests restore a book)
    assert rulebook.current(name) == (None, 0)
    assert rulebook.save(name, {"n": 2}, now=config.utcnow()).version == 2


def test_of_saves_and_rollbacks_racing_on_one_version_exactly_one_wins():
    name = book()
    rulebook.save(name, {"n": 0}, now=config.utcnow())
    results = race(6, lambda i: rulebook.save(name, {"n": i + 1}, now=config.utcnow(), expected=1,
                                              rollback_of=1 if i % 2 else None), workers=6)
    won = [r for r in results if isinstance(r, rulebook.Version)]
    assert len(won) == 1, results
    assert all(isinstance(r, errors.RulesVersionStale) for r in results if r not in won), results
    assert rulebook.current(name) == (won[0].body, 2)
    assert [v.version for v in rulebook.versions(name, limit=10)[0]] == [2, 1]
