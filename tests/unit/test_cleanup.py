"""Cleanup of a run's objects (amt_pipeline.logic.cleanup), against moto's S3."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from amt.local.clients import reset_clients
from amt_pipeline.errors import UnsafeCleanupRequest
from amt_pipeline.facts import RUN_ID_PATTERN
from amt_pipeline.logic.cleanup import (
    ALL_PARTS,
    DELETE_BATCH_SIZE,
    MAX_KEYS_REPORTED,
    CleanupIncomplete,
    CleanupRequest,
    clean_up_run,
)
from amt_pipeline.run.layout import RUN_PARTS, RunLayout

ROOT = Path(__file__).resolve().parents[2]
BUCKET = "amt-pipeline-test-bucket"
RUN = "digits-2024-06-01"


@pytest.fixture(autouse=True)
def aws_env(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def s3():
    with mock_aws():
        reset_clients()
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client
    reset_clients()


class CallCounter:
    """Counts S3 operations (and DeleteObjects batch sizes) through botocore's event hooks."""

    def __init__(self, client):
        self.calls: Counter[str] = Counter()
        self.delete_batch_sizes: list[int] = []
        client.meta.events.register("before-parameter-build.s3.*", self._count)

    def _count(self, model, params, **_):
        self.calls[model.name] += 1
        if model.name == "DeleteObjects":
            self.delete_batch_sizes.append(len(params["Delete"]["Objects"]))


def put(s3, *keys: str, bucket: str = BUCKET) -> None:
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")


def all_keys(s3, bucket: str = BUCKET) -> set[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {obj["Key"] for page in pages for obj in page.get("Contents", [])}


def all_versions(s3, bucket: str = BUCKET) -> set[tuple[str, str, bool]]:
    """(key, version id, is a delete marker) of everything in the bucket."""
    entries = set()
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        entries |= {(v["Key"], v["VersionId"], False) for v in page.get("Versions", [])}
        entries |= {(m["Key"], m["VersionId"], True) for m in page.get("DeleteMarkers", [])}
    return entries


def run_keys(run_id: str) -> list[str]:
    layout = RunLayout(BUCKET, run_id)
    return [
        layout.train_key,
        layout.validation_key,
        layout.key("output", f"{run_id}-001-abcdef01", "output", "model.tar.gz"),
        layout.key("output", f"{run_id}-002-abcdef02", "output", "model.tar.gz"),
        layout.report_html_key,
        layout.trials_csv_key,
    ]


# Objects that no cleanup of RUN may touch: other runs (some whose names RUN is a
# prefix of, or that are a prefix of RUN), a sibling folder "dataset" next to
# "data", keys that merely contain the run's path, and keys outside runs/.
NEIGHBOURS = [
    f"runs/{RUN}x/data/train/train.csv",
    f"runs/{RUN}-2/reports/index.html",
    f"runs/{RUN[:-1]}/output/job/output/model.tar.gz",
    f"runs/{RUN}/dataset/train.csv",
    f"runs/{RUN}/data",
    f"runs/{RUN}/readme.txt",
    f"runs/{RUN}",
    f"archive/runs/{RUN}/data/train/train.csv",
    f"{RUN}/data/train/train.csv",
    "runs/other-run/data/train/train.csv",
    "top-level.txt",
]


# --- the request ---------------------------------------------------------------------------


def test_parts_type_matches_the_run_layout():
    assert ALL_PARTS == RUN_PARTS


def test_request_defaults_to_every_part_and_no_dry_run():
    # Given a payload with only a run id / When it is parsed
    request = CleanupRequest.parse({"run_id": RUN})
    # Then every part is cleaned, for real
    assert request.parts == ("data", "output", "reports")
    assert request.dry_run is False


def test_request_parts_are_deduplicated_in_layout_order():
    request = CleanupRequest.parse({"run_id": RUN, "parts": ["reports", "data", "reports"]})
    assert request.parts == ("data", "reports")


@pytest.mark.parametrize(
    "run_id",
    ["", "/", "..", ".", "*", "a/b", "runs/abc", "abc/", "/abc", "abc/..", "../abc", "abc*", "-abc",
     "abc-", "abc\n", " abc", "abc ", "a_b", "a.b", "a" * 33, "%2e%2e", "abc\\", "é", None, 123],
)
def test_request_refuses_a_run_id_that_is_not_a_single_run(run_id):
    # Given a run id that is not a tuning job name / When it is parsed / Then it is refused by name
    with pytest.raises(UnsafeCleanupRequest, match=r"^run_id: "):
        CleanupRequest.parse({"run_id": run_id})


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, ["run_id"]),
        ({"run_id": RUN, "parts": []}, ["parts"]),
        ({"run_id": RUN, "parts": ["data", "models"]}, ["parts.1"]),
        ({"run_id": RUN, "parts": ["../data"]}, ["parts.0"]),
        ({"run_id": RUN, "parts": "data"}, ["parts"]),
        ({"run_id": RUN, "dry_run": "maybe"}, ["dry_run"]),
        ({"run_id": RUN, "dry_run": "true"}, ["dry_run"]),
        ({"run_id": RUN, "prefix": "runs/"}, ["prefix"]),
        ({"run_id": "..", "parts": ["x"], "force": True}, ["run_id", "parts.0", "force"]),
        ("digits", ["$"]),
        (None, ["$"]),
    ],
)
def test_request_names_every_bad_field(payload, fields):
    # Given a malformed payload / When it is parsed
    with pytest.raises(UnsafeCleanupRequest) as raised:
        CleanupRequest.parse(payload)
    # Then the message names each bad field
    named = [part.split(":", 1)[0] for part in str(raised.value).split("; ")]
    assert named == fields


def test_example_and_sample_events_match_the_request_model():
    # Given the documented example and the sample events / Then each parses, except the unsafe one
    assert CleanupRequest.parse(json.loads((ROOT / "examples/cleanup/dry-run.json").read_text())).dry_run
    events = sorted((ROOT / "tests/events").glob("cleanup-*.json"))
    assert len(events) >= 4
    for path in events:
        payload = json.loads(path.read_text())
        if "unsafe" in path.name:
            with pytest.raises(UnsafeCleanupRequest):
                CleanupRequest.parse(payload)
        else:
            assert RUN_ID_PATTERN.fullmatch(CleanupRequest.parse(payload).run_id)


# --- deleting ------------------------------------------------------------------------------


def test_cleans_every_part_of_the_run_and_nothing_else(s3):
    # Given a run's objects and its neighbours
    put(s3, *run_keys(RUN), *NEIGHBOURS)
    # When the whole run is cleaned up
    result = clean_up_run(s3, BUCKET, CleanupRequest(run_id=RUN))
    # Then the run's parts are gone and every neighbour is left
    assert all_keys(s3) == set(NEIGHBOURS)
    assert sorted(result.keys) == sorted(run_keys(RUN))
    assert result.object_count == 6
    assert result.version_count == 0
    assert result.keys_truncated is False
    assert result.prefixes == [f"runs/{RUN}/data/", f"runs/{RUN}/output/", f"runs/{RUN}/reports/"]


@pytest.mark.parametrize("parts", [["data"], ["output"], ["reports"], ["data", "reports"]])
def test_deletes_only_the_chosen_parts(s3, parts):
    # Given a run with data, output and reports
    put(s3, *run_keys(RUN), *NEIGHBOURS)
    # When only some parts are cleaned up
    result = clean_up_run(s3, BUCKET, CleanupRequest(run_id=RUN, parts=parts))
    # Then exactly the keys of those parts are gone
    chosen = {k for k in run_keys(RUN) if k.split("/")[2] in parts}
    assert set(result.keys) == chosen
    assert all_keys(s3) == (set(run_keys(RUN)) - chosen) | set(NEIGHBOURS)
    assert list(result.parts) == parts


def test_a_run_id_never_reaches_runs_it_is_a_prefix_of(s3):
    # Given runs "abc", "abcd" and "abc-2", and a folder "runs/abc/dataset/"
    put(s3, "runs/abc/data/a.csv", "runs/abcd/data/a.csv", "runs/abc-2/data/a.csv", "runs/abc/dataset/a.csv")
    # When run "abc" is cleaned up
    clean_up_run(s3, BUCKET, CleanupRequest(run_id="abc"))
    # Then only its own data is gone
    assert all_keys(s3) == {"runs/abcd/data/a.csv", "runs/abc-2/data/a.csv", "runs/abc/dataset/a.csv"}


def test_dry_run_deletes_nothing_and_lists_what_it_would(s3):
    # Given a run and its neighbours
    put(s3, *run_keys(RUN), *NEIGHBOURS)
    counter = CallCounter(s3)
    before = all_keys(s3)
    # When a dry run asks for the reports and the output
    result = clean_up_run(s3, BUCKET, CleanupRequest(run_id=RUN, parts=["reports", "output"], dry_run=True))
    # Then nothing is deleted, and the result lists what a real run would delete
    assert all_keys(s3) == before
    assert counter.calls["DeleteObjects"] == counter.calls["DeleteObject"] == 0
    assert result.dry_run is True
    assert set(result.keys) == {k for k in run_keys(RUN) if "/data/" not in k}
    assert result.object_count == 4
    # And the real run deletes exactly that
    real = clean_up_run(s3, BUCKET, CleanupRequest(run_id=RUN, parts=["reports", "output"]))
    assert real.model_dump(exclude={"dry_run"}) == result.model_dump(exclude={"dry_run"})
    assert before - all_keys(s3) == set(result.keys)


def test_cleaning_a_run_twice_or_an_absent_run_is_a_no_op(s3):
    put(s3, *run_keys(RUN), *NEIGHBOURS)
    clean_up_run(s3, BUCKET, CleanupRequest(run_id=RUN))
    again = clean_up_run(s3, BUCKET, CleanupRequest(run_id=RUN))
    assert (again.object_count, again.keys) == (0, [])
    assert all_keys(s3) == set(NEIGHBOURS)


def test_five_thousand_objects_are_listed_page_by_page_and_deleted_in_batches_of_1000(s3):
    # Given a run of 5,000 output objects (S3 lists at most 1,000 per page)
    layout = RunLayout(BUCKET, RUN)
    keys = [layout.key("output", f"job-{i:04d}", "output", "model.tar.gz") for i in range(5000)]
    put(s3, *keys, *NEIGHBOURS)
    counter = CallCounter(s3)
    # When the run is cleaned up
    result = clean_up_run(s3, BUCKET, CleanupRequest(run_id=RUN))
    # Then every object is gone, through >= 5 list pages and >= 5 batches of <= 1,000 keys
    assert all_keys(s3) == set(NEIGHBOURS)
    assert counter.calls["ListObjectsV2"] >= 5
    assert counter.calls["DeleteObjects"] >= 5
    assert max(counter.delete_batch_sizes) <= DELETE_BATCH_SIZE
    assert sum(counter.delete_batch_sizes) == 5000
    # And the result counts them all but lists only the first ones
    assert result.object_count == 5000
    assert result.keys == keys[:MAX_KEYS_REPORTED]
    assert result.keys_truncated is True


def test_versioned_bucket_keeps_no_version_or_delete_marker_of_the_run(s3):
    # Given a versioned bucket where the run's keys have several versions and delete markers
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    put(s3, *run_keys(RUN), *NEIGHBOURS)
    put(s3, *run_keys(RUN), *NEIGHBOURS)  # second versions
    s3.delete_object(Bucket=BUCKET, Key=RunLayout(BUCKET, RUN).report_html_key)  # a delete marker
    s3.delete_object(Bucket=BUCKET, Key=NEIGHBOURS[0])
    neighbours_before = {v for v in all_versions(s3) if v[0] in NEIGHBOURS}
    assert len(all_versions(s3)) == len(neighbours_before) + 6 * 2 + 1
    # When the run is cleaned up
    result = clean_up_run(s3, BUCKET, CleanupRequest(run_id=RUN))
    # Then no version and no delete marker is left under the run's parts, and neighbours keep theirs
    assert all_versions(s3) == neighbours_before
    assert all_keys(s3) == set(NEIGHBOURS) - {NEIGHBOURS[0]}
    assert result.object_count == 6
    assert result.version_count == 6 * 2 + 1


def test_suspended_versioning_still_deletes_every_version(s3):
    # Given a bucket whose versioning was suspended after the run wrote two versions of each key
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    put(s3, *run_keys(RUN), *run_keys(RUN), *NEIGHBOURS)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Suspended"})
    deleted: list[dict] = []

    def record(params, **_):
        deleted.extend(params["Delete"]["Objects"])

    s3.meta.events.register("before-parameter-build.s3.DeleteObjects", record)
    # When the run is cleaned up
    result = clean_up_run(s3, BUCKET, CleanupRequest(run_id=RUN))
    # Then each version is deleted by its id (the noncurrent ones too), and nothing is left
    # (moto deletes every version of a key whatever the VersionId once versioning is suspended, and
    # fails on a delete marker there, so this bucket holds none under the run: real S3 does not need that.)
    assert result.version_count == len(deleted) == 12
    assert all("VersionId" in entry for entry in deleted)
    assert {v[0] for v in all_versions(s3)} == set(NEIGHBOURS)


def test_versioned_bucket_with_more_than_1000_versions(s3):
    # Given 700 keys of two versions each, and a delete marker on every tenth (1,470 entries)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    keys = [f"runs/{RUN}/output/job-{i:03d}/model.tar.gz" for i in range(700)]
    put(s3, *keys, *keys, *NEIGHBOURS)
    for key in keys[::10]:
        s3.delete_object(Bucket=BUCKET, Key=key)
    counter = CallCounter(s3)
    # When a dry run and then a real cleanup run
    dry = clean_up_run(s3, BUCKET, CleanupRequest(run_id=RUN, dry_run=True))
    result = clean_up_run(s3, BUCKET, CleanupRequest(run_id=RUN))
    # Then both count the same, and nothing of the run is left
    assert (dry.object_count, dry.version_count) == (result.object_count, result.version_count) == (700, 1470)
    assert {v[0] for v in all_versions(s3)} == set(NEIGHBOURS)
    assert counter.calls["ListObjectVersions"] >= 4
    assert counter.delete_batch_sizes == [1000, 470]


def test_keys_that_s3_refuses_to_delete_stop_the_cleanup_after_their_batch(s3):
    # Given 1,500 objects of which S3 refuses one in the first batch
    keys = [f"runs/{RUN}/data/part-{i:04d}.csv" for i in range(1500)]
    put(s3, *keys)
    refused = keys[3]

    def refuse(parsed, model, **_):
        if model.name == "DeleteObjects":
            parsed["Errors"] = [{"Key": refused, "Code": "AccessDenied", "Message": "Access Denied"}]

    s3.meta.events.register("after-call.s3.DeleteObjects", refuse)
    counter = CallCounter(s3)
    # When the run is cleaned up
    with pytest.raises(CleanupIncomplete) as raised:
        clean_up_run(s3, BUCKET, CleanupRequest(run_id=RUN))
    # Then it raises after that batch, naming the key, and sends no further batch
    assert counter.calls["DeleteObjects"] == 1
    assert [f.key for f in raised.value.failures] == [refused]
    assert raised.value.deleted == 999
    assert refused in str(raised.value) and "AccessDenied" in str(raised.value)


def test_a_listing_that_strays_outside_the_part_deletes_nothing(s3):
    # Given a run, and an S3 listing that (wrongly) answers with a key of another run
    put(s3, *run_keys(RUN), *NEIGHBOURS)

    def stray(parsed, **_):
        parsed.setdefault("Contents", []).append({"Key": f"runs/{RUN}x/data/train/train.csv"})

    s3.meta.events.register("after-call.s3.ListObjectsV2", stray)
    counter = CallCounter(s3)
    # When the run is cleaned up / Then the cleanup refuses before deleting anything
    with pytest.raises(UnsafeCleanupRequest, match="outside the run"):
        clean_up_run(s3, BUCKET, CleanupRequest(run_id=RUN))
    assert counter.calls["DeleteObjects"] == 0
    assert all_keys(s3) == set(run_keys(RUN)) | set(NEIGHBOURS)


@pytest.mark.parametrize(
    "fields",
    [{"run_id": ""}, {"run_id": ".."}, {"run_id": "a/b"}, {"run_id": "*"}, {"run_id": RUN, "parts": ()},
     {"run_id": RUN, "parts": ("data/..",)}, {"run_id": RUN, "parts": ("",)}],
)
def test_a_request_built_without_validation_is_still_refused(s3, fields):
    # Given a request that skipped validation (model_construct)
    put(s3, *run_keys(RUN), *NEIGHBOURS)
    request = CleanupRequest.model_construct(**{"parts": ALL_PARTS, "dry_run": False, **fields})
    # When it is run / Then it is refused, by field, and nothing is deleted
    with pytest.raises(UnsafeCleanupRequest, match=r"^(run_id|parts): "):
        clean_up_run(s3, BUCKET, request)
    assert all_keys(s3) == set(run_keys(RUN)) | set(NEIGHBOURS)


# --- the property: one run's parts, and nothing else -------------------------------------

NASTY_RUN_IDS = [
    "", "/", "//", "..", ".", "*", "?", "runs", "runs/", "a/b", "abc/", "/abc", "abc/..", "../abc", "abc*",
    "-", "-abc", "abc-", "abc\n", " abc", "abc\\", "%2e%2e", "ABC", "a", "ab", "abc", "abcd", "abc-2",
    "abcx", "data", "output", "reports", "other-run", RUN, RUN[:-1], RUN + "x",
]
# Runs that are always in the bucket: the nasty names are prefixes of, or prefixed by, them.
STANDING_RUNS = ["a", "ab", "abc", "abcd", "abc-2", "abcx", "runs", "data", RUN, RUN[:-1], RUN + "x"]
STANDING_OUTSIDE = ["top.txt", "runs", "runs/", "runs/abc", "runs/abc/data", "runs/abc/dataset/x.csv",
                    "archive/runs/abc/data/x.csv", "abc/data/x.csv", "runsabc/data/x.csv"]

run_ids = st.one_of(
    st.sampled_from(NASTY_RUN_IDS),
    st.from_regex(RUN_ID_PATTERN, fullmatch=True),
    st.text(max_size=40),
)
parts_lists = st.one_of(
    st.none(),
    st.lists(st.sampled_from([*RUN_PARTS, "", "..", "*", "data/", "runs", "Data"]), max_size=4),
)


def population(run_id: str | None) -> list[str]:
    keys = [f"runs/{r}/{p}/f.csv" for r in STANDING_RUNS for p in RUN_PARTS] + STANDING_OUTSIDE
    if run_id is not None:  # the run itself, and its closest neighbours
        keys += [f"runs/{run_id}/{p}/{name}" for p in RUN_PARTS for name in ("f.csv", "sub/g.csv", "h")]
        keys += [f"runs/{run_id}x/data/f.csv", f"runs/{run_id}-2/output/f.csv", f"runs/{run_id}/datax/f",
                 f"runs/{run_id}/", f"runs/{run_id}", f"keep/runs/{run_id}/data/f.csv"]
    return keys


@pytest.mark.parametrize("versioned", [False, True], ids=["unversioned", "versioned"])
def test_property_a_cleanup_deletes_its_run_parts_and_nothing_else(s3, versioned):
    bucket_names = (f"property-{i}" for i in itertools.count())

    @settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(run_id=run_ids, parts=parts_lists, dry_run=st.booleans())
    def check(run_id, parts, dry_run):
        # Given a fresh bucket holding the run (if its id is valid), its neighbours and other runs
        bucket = next(bucket_names)
        s3.create_bucket(Bucket=bucket)
        if versioned:
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        valid = RUN_ID_PATTERN.fullmatch(run_id) is not None
        keys = population(run_id if valid else None)
        put(s3, *keys, bucket=bucket)
        if versioned:
            put(s3, *keys[::3], bucket=bucket)
            for key in keys[::5]:
                s3.delete_object(Bucket=bucket, Key=key)
        before = all_versions(s3, bucket)
        payload = {"run_id": run_id, "dry_run": dry_run} | ({} if parts is None else {"parts": parts})
        # When the payload is parsed and run
        try:
            request = CleanupRequest.parse(payload)
        except UnsafeCleanupRequest as refused:
            # Then either it is refused, naming a field, ...
            assert str(refused).split(":", 1)[0] in {"run_id", "dry_run", "$"} | {
                f"parts.{i}" for i in range(5)
            } | {"parts"}
            assert not valid or parts == [] or any(p not in RUN_PARTS for p in parts)
            return
        assert valid
        result = clean_up_run(s3, bucket, request)
        # ... or exactly the run's chosen parts are gone (all versions), everything else survives
        prefixes = tuple(f"runs/{run_id}/{p}/" for p in request.parts)
        targeted = {v for v in before if v[0].startswith(prefixes)}
        after = all_versions(s3, bucket)
        assert after == (before if dry_run else before - targeted)
        assert result.object_count == len({v[0] for v in targeted})
        assert set(result.keys) == {v[0] for v in targeted}
        assert result.version_count == (len(targeted) if versioned else 0)

    check()


# --- the stack grants what the cleanup calls ------------------------------------------------

# The IAM action each S3 operation of the cleanup needs, and on what: the bucket or its objects.
IAM_ACTIONS = {
    "GetBucketVersioning": ("s3:GetBucketVersioning", "bucket"),
    "ListObjectsV2": ("s3:ListBucket", "bucket"),
    "ListObjectVersions": ("s3:ListBucketVersions", "bucket"),
    "DeleteObjects": ("s3:DeleteObject", "object"),  # checked per key (+ DeleteObjectVersion per version)
}


def granted_actions() -> dict[str, list[dict]]:
    """IAM action -> the CleanupFunction statements that allow it (read from template.yaml)."""
    from amt.local.template import load_template  # the project's CloudFormation-aware reader

    function = load_template()["Resources"]["CleanupFunction"]["Properties"]
    grants: dict[str, list[dict]] = {}
    for policy in function.get("Policies", []):
        for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
            if statement.get("Effect") != "Allow":
                continue
            actions = statement["Action"]
            for action in [actions] if isinstance(actions, str) else actions:
                grants.setdefault(action, []).append(statement)
    return grants


def test_the_template_grants_every_s3_action_the_cleanup_calls(s3):
    # Given the S3 operations a cleanup makes, on an unversioned and on a versioned bucket
    put(s3, *run_keys(RUN))
    s3.create_bucket(Bucket="versioned-bucket")
    s3.put_bucket_versioning(Bucket="versioned-bucket", VersioningConfiguration={"Status": "Enabled"})
    put(s3, *run_keys(RUN), bucket="versioned-bucket")
    counter = CallCounter(s3)
    clean_up_run(s3, BUCKET, CleanupRequest(run_id=RUN))
    clean_up_run(s3, "versioned-bucket", CleanupRequest(run_id=RUN))
    assert set(counter.calls) <= IAM_ACTIONS.keys(), "map the new S3 operation to its IAM action"
    needed = {IAM_ACTIONS[op][0] for op in counter.calls} | {"s3:DeleteObjectVersion"}
    # Then CleanupFunction's policy allows each of them, and a bucket-level action that carries no
    # s3:prefix (GetBucketVersioning) is not in a statement conditioned on s3:prefix
    grants = granted_actions()
    assert sorted(needed - grants.keys()) == [], "add these actions to CleanupFunction's Policies"
    for statement in grants["s3:GetBucketVersioning"]:
        assert "s3:prefix" not in json.dumps(statement.get("Condition", {})), (
            "GetBucketVersioning has no s3:prefix: a StringLike s3:prefix condition would deny it"
        )
