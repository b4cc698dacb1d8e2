"""``python -m infra.catalogue``: a catalogue file into a stage, in batches, through the sync the
order system uses; checked whole first; loading it again changes nothing."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from chalicelib import config
from chalicelib.shop import service, sync
from infra.catalogue import loader
from infra.catalogue.__main__ import stage_env
from tests.conftest import BACKEND

ROOT = Path(__file__).resolve().parents[2]


def catalogue(tag: str) -> dict:
    """A child category listed before its parent, products, SKUs: 8 entries."""
    return {
        "categories": [{"categoryId": f"{tag}-green", "name": "绿茶", "parent": f"{tag}-tea", "version": 1},
                       {"categoryId": f"{tag}-tea", "name": "茶", "version": 1}],
        "products": [{"productId": f"{tag}-a", "name": "安吉白茶", "category": f"{tag}-green", "version": 1},
                     {"productId": f"{tag}-b", "name": "六安瓜片", "category": f"{tag}-green", "version": 1}],
        "skus": [{"productId": f"{tag}-a", "skuId": "50g", "price": 6800, "version": 1},
                 {"productId": f"{tag}-a", "skuId": "100g", "price": 12800, "version": 1},
                 {"productId": f"{tag}-b", "skuId": "100g", "price": 9800, "version": 1},
                 {"productId": f"{tag}-b", "skuId": "250g", "price": 22800, "version": 1}],
    }


def written(tmp_path: Path, doc: dict) -> Path:
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(doc, ensure_ascii=False))
    return path


def test_a_file_loads_in_batches_parents_first_and_again_changes_nothing(tmp_path):
    tag = "t" + uuid.uuid4().hex[:8]
    doc = loader.read(written(tmp_path, catalogue(tag)))
    said: list[str] = []

    first = loader.load(doc, now=config.utcnow(), size=3, say=said.append)
    second = loader.load(doc, now=config.utcnow(), size=3)

    assert first == {"created": 8, "updated": 0, "unchanged": 0, "stale": 0}
    assert second == {"created": 0, "updated": 0, "unchanged": 8, "stale": 0}
    assert len(said) == 3  # 3 + 3 + 2
    batches = list(loader.batches(doc, 3))
    assert [c.category_id for c in batches[0].categories] == [f"{tag}-tea", f"{tag}-green"]
    assert [g.product_id for g in service.storefront(f"{tag}-tea").products] == [f"{tag}-a", f"{tag}-b"]


def test_a_bad_file_names_the_entry_by_its_place_in_the_file_and_nothing_is_written(tmp_path):
    tag = "t" + uuid.uuid4().hex[:8]
    doc = catalogue(tag)
    doc["skus"].append({"productId": f"{tag}-z", "skuId": "1", "price": 100, "version": 1})

    with pytest.raises(loader.Refused, match=rf"skus\[4\]\.productId: no product '{tag}-z'"):
        loader.load(loader.read(written(tmp_path, doc)), now=config.utcnow(), size=2)
    doc["skus"][0]["price"] = 68.0
    with pytest.raises(loader.Refused, match=r"at `\$\.skus\[0\]\.price`"):
        loader.read(written(tmp_path, doc))

    assert sync.check(loader.read(loader.SAMPLE)) == []  # the sample itself is fine
    assert f"{tag}-a" not in {g.product_id for g in service.storefront().products}


def test_the_stage_chooses_the_tables():
    local: dict[str, str] = {}
    stage_env("local", local)
    prod = {"HUILIU_DYNAMODB_ENDPOINT": "http://127.0.0.1:8000", "HUILIU_TABLE_PREFIX": "huiliu-local-"}
    stage_env("prod", prod)

    assert (local["HUILIU_TABLE_PREFIX"], local["HUILIU_DYNAMODB_ENDPOINT"]) == ("huiliu-local-", "http://127.0.0.1:8000")
    assert prod == {"HUILIU_STAGE": "prod", "HUILIU_TABLE_PREFIX": "huiliu-prod-"}  # AWS's tables, whatever the shell says


@pytest.fixture
def endpoint() -> Iterator[str]:
    """Where a CLI process reaches this session's tables: DynamoDB Local, or moto's server over
    the in-process moto backend (the test waits for the process, so only one side ever runs)."""
    if BACKEND == "dynamodb-local":
        yield os.environ["HUILIU_DYNAMODB_ENDPOINT"]
        return
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def cli(*args: str, endpoint: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HUILIU_DYNAMODB_ENDPOINT": endpoint, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "infra.catalogue", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_the_command_loads_a_file_into_the_stage_and_refuses_a_bad_one_before_writing(tmp_path, endpoint):
    tag = "t" + uuid.uuid4().hex[:8]
    good = written(tmp_path, catalogue(tag))

    loaded = cli(str(good), "--stage", "local", "--batch", "5", endpoint=endpoint)
    again = cli(str(good), "--stage", "local", endpoint=endpoint)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"skus": [{"productId": f"{tag}-a", "skuId": "x", "price": -1, "version": 2}]}))
    refused = cli(str(bad), "--stage", "local", endpoint=endpoint)
    checked = cli(str(loader.SAMPLE), "--stage", "local", "--check", endpoint=endpoint)

    assert loaded.returncode == 0, loaded.stderr
    assert "huiliu-test-*" in loaded.stdout and loaded.stdout.count("batch ") == 2
    assert "done: 8 created, 0 updated, 0 unchanged, 0 stale" in loaded.stdout
    assert "done: 0 created, 0 updated, 8 unchanged, 0 stale" in again.stdout
    assert refused.returncode == 2 and "$.skus[0].price" in refused.stderr and "nothing written" in refused.stderr
    assert checked.returncode == 0 and "20 entries, fit to load" in checked.stdout
    assert service.product(f"{tag}-b").price == 9800  # in the tables this process reads
