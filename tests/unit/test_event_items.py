"""Events are stored as raw items (no model per event): they must be what the model stores."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.events import service
from chalicelib.events.models import Event

NOW = datetime(2026, 11, 24, 15, 59, 59, 123456, tzinfo=timezone.utc)
props = st.dictionaries(st.text(max_size=8), st.one_of(st.integers(), st.text(max_size=8), st.lists(st.text(max_size=4))),
                        max_size=3)


@given(actor=st.sampled_from(["u:u1", "d:dev-7", "u:测试"]), event_id=st.text(min_size=1, max_size=12),
       seconds=st.integers(-86400 * 3, 0), props=props)
def test_a_stored_item_is_what_the_model_would_store(actor, event_id, seconds, props):
    at = NOW + timedelta(seconds=seconds)
    e = service.Accepted(event_id, "product_view", at, props)
    received = {"S": Event.received_at.serialize(NOW)}
    expires = {"N": Event.expires_at.serialize(NOW + service.KEPT)}

    model = Event.of(actor, event_id, name="product_view", at=at, received_at=NOW,
                     props=json.dumps(props, ensure_ascii=False), expires_at=NOW + service.KEPT)
    assert service.stored_item(actor, e, received, expires) == model.serialize()
    shared: dict = {}  # a batch's cache of serialised times: the second event of a time reads it
    for _ in range(2):
        assert service.stored_item(actor, e, received, expires, shared) == model.serialize()
