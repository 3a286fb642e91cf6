"""Every kind of tampering makes verify fail (exit 1) with a reason naming the file and what broke."""

from __future__ import annotations

import json

from pbvote.audit.bundle import MANIFEST, SIGNATURE, manifest_bytes
from pbvote.audit.keys import public_key_hex, signing_key
from pbvote.audit.verify import verify_bundle

from .conftest import rezip, unzip


def _resign(files: dict[str, bytes], round_id: int) -> bytes:
    """A forger who holds the key: new manifest and signature, so only the content checks can catch it."""
    body = {name: data for name, data in files.items() if name not in (MANIFEST, SIGNATURE)}
    body[MANIFEST] = manifest_bytes(body)
    body[SIGNATURE] = signing_key(round_id).sign(body[MANIFEST])
    return rezip(body)


def _headline(data: bytes, round_id: int) -> str:
    report = verify_bundle(data, public_key_hex(round_id))
    assert not report.ok
    return report.headline()


def _pb(files, world) -> str:
    return f"budget-{world.citywide.id}/ballots.pb"


def _edit_first_vote(text: str, change) -> str:
    head, votes = text.split("VOTES\n")
    lines = votes.splitlines(keepends=True)
    lines[1] = change(lines[1])
    return head + "VOTES\n" + "".join(lines)


def test_changing_one_ballot(published, bundle):
    world, _ = published
    files = unzip(bundle)
    name = _pb(files, world)
    other = str(world.projects["Citywide"][3].id)
    files[name] = _edit_first_vote(files[name].decode(), lambda line: line.split(";")[0] + f";{other}\n").encode()
    headline = _headline(rezip(files), world.round.id)
    assert headline.startswith(f"FAILED: {name}: ballot ") and "ballots.csv says" in headline


def test_changing_one_project_cost(published, bundle):
    world, _ = published
    files = unzip(bundle)
    name = _pb(files, world)
    project = world.projects["Citywide"][0]
    text = files[name].decode().replace(f"\n{project.id};{project.total_cost};", f"\n{project.id};1;", 1)
    files[name] = text.encode()
    assert f"FAILED: {name}: project {project.id}: costs 1 in ballots.pb" in _headline(rezip(files), world.round.id)


def test_changing_one_event(published, bundle):
    world, _ = published
    files = unzip(bundle)
    lines = files["events.jsonl"].decode().splitlines(keepends=True)
    event = json.loads(lines[1])
    event["actor_label"] = "someone-else@example.org"
    lines[1] = json.dumps(event) + "\n"
    files["events.jsonl"] = "".join(lines).encode()
    assert "FAILED: events.jsonl: event #2" in _headline(_resign(files, world.round.id), world.round.id)


def test_changing_one_manifest_line(published, bundle):
    world, _ = published
    files = unzip(bundle)
    lines = files[MANIFEST].decode().splitlines(keepends=True)
    lines[2] = "0" * 64 + lines[2][64:]
    files[MANIFEST] = "".join(lines).encode()
    assert "manifest line 3: its SHA-256 does not match" in _headline(rezip(files), world.round.id)


def test_changing_the_signature(published, bundle):
    world, _ = published
    files = unzip(bundle)
    files[SIGNATURE] = bytes(64)
    assert _headline(rezip(files), world.round.id).startswith("FAILED: MANIFEST.sig: signature: ")


def test_changing_the_rule_parameter(published, bundle):
    world, _ = published
    files = unzip(bundle)
    document = json.loads(files["results.json"])
    document["budgets"][0]["params"]["score"] = "points"
    files["results.json"] = json.dumps(document).encode()
    assert "FAILED: results.json: budget " in (headline := _headline(_resign(files, world.round.id), world.round.id))
    assert "parameter score" in headline


def test_adding_a_ballot(published, bundle):
    world, _ = published
    files = unzip(bundle)
    name = _pb(files, world)
    text = files[name].decode().replace("num_votes;12", "num_votes;13")
    files[name] = (text + f"ffffffffffffffffffff;{world.projects['Citywide'][0].id}\n").encode()
    headline = _headline(_resign(files, world.round.id), world.round.id)
    assert headline.startswith(f"FAILED: {name}: ballots: 13 ballots where event #")


def test_removing_a_ballot(published, bundle):
    world, _ = published
    files = unzip(bundle)
    name = _pb(files, world)
    files[name] = _edit_first_vote(files[name].decode(), lambda line: "").encode()
    text = files[name].decode().replace("num_votes;12", "num_votes;11")
    files[name] = text.encode()
    headline = _headline(_resign(files, world.round.id), world.round.id)
    assert headline.startswith(f"FAILED: {name}: ballots: 11 ballots where event #")
