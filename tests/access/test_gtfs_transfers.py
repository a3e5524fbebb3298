"""transfers.txt: read with named errors, kept through to_bytes, stations expanded to platforms."""

from __future__ import annotations

import numpy as np
import pytest

from nahraum.access.gtfs import Feed, GTFSError, read_feed, transfer_rules

from .test_gtfs import BASE, make_zip

STOPS = (
    "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
    "ST,Bahnhof,52.0,8.9,1,\n"
    "S1,Bahnhof Gleis 1,52.0001,8.9001,0,ST\n"
    "S1b,Bahnhof Gleis 2,52.0002,8.9002,0,ST\n"
    "S2,Markt,52.01,8.91,0,\n"
    "S3,Dorf,52.02,8.92,,\n"
    "E1,Eingang,52.0,8.9,2,ST\n"
)


def feed_with_transfers(text: str | None) -> bytes:
    files = dict(BASE, **{"stops.txt": STOPS})
    if text is not None:
        files["transfers.txt"] = text
    return make_zip(files)


HEADER = "from_stop_id,to_stop_id,transfer_type,min_transfer_time,from_trip_id,to_route_id\n"


def test_rules_are_read_kept_and_reported():
    feed = read_feed(
        feed_with_transfers(
            HEADER + "S1,S2,2,180,,\n"
            "ST,ST,2,240,,\n"
            "S2,S3,3,,,\n"
            "S3,S3,1,,,\n"
            "S2,S2,,,,\n"  # empty type: 0
            "S1,S2,1,,T1,\n"  # trip-to-trip: not modelled
            "S2,S3,0,,,R1\n"  # route-to-route: not modelled
            "S2,S3,2,,,\n"  # type 2 without a time
            "E1,S2,0,,,\n"  # entrance
        )
    )
    names = list(feed.stop_id)
    got = [
        (names[a], names[b], int(k), int(m))
        for a, b, k, m in zip(feed.tr_from, feed.tr_to, feed.tr_type, feed.tr_min, strict=True)
    ]
    assert got == [
        ("S1", "S2", 2, 180),
        ("ST", "ST", 2, 240),
        ("S2", "S3", 3, -1),
        ("S3", "S3", 1, -1),
        ("S2", "S2", 0, -1),
    ]
    reasons = {d.reason: d.count for d in feed.dropped if d.file == "transfers.txt"}
    assert reasons == {
        "trip-to-trip and route-to-route transfers are not modelled (the engine applies rules "
        "per stop pair)": 2,
        "type 2 without min_transfer_time: no time to apply": 1,
        "refers to an entrance or generic node (dropped)": 1,
    }
    assert feed.summary()["transfers"] == 5
    again = Feed.from_bytes(feed.to_bytes())
    for name in ("tr_from", "tr_to", "tr_type", "tr_min"):
        assert np.array_equal(getattr(again, name), getattr(feed, name))
    # the station's rule applies to every pair of its platforms; the platform rule stays
    rules = transfer_rules(feed)
    pairs = {
        (names[a], names[b]): (int(k), int(m))
        for a, b, k, m in zip(rules.from_stop, rules.to_stop, rules.kind, rules.min_s, strict=True)
    }
    assert pairs == {
        ("S1", "S1"): (2, 240),
        ("S1", "S1b"): (2, 240),
        ("S1b", "S1"): (2, 240),
        ("S1b", "S1b"): (2, 240),
        ("S1", "S2"): (2, 180),
        ("S2", "S3"): (3, -1),
        ("S3", "S3"): (1, -1),
        ("S2", "S2"): (0, -1),
    }


def test_a_platform_rule_wins_over_its_station():
    feed = read_feed(feed_with_transfers(HEADER + "S1,S1,3,,,\nST,ST,2,240,,\n"))
    rules = transfer_rules(feed)
    names = list(feed.stop_id)
    pairs = {
        (names[a], names[b]): int(k)
        for a, b, k in zip(rules.from_stop, rules.to_stop, rules.kind, strict=True)
    }
    assert pairs[("S1", "S1")] == 3 and pairs[("S1", "S1b")] == 2


def test_a_feed_stored_before_transfers_were_read_loads_without_rules():
    feed = read_feed(feed_with_transfers(None))
    import io
    import json

    with np.load(io.BytesIO(feed.to_bytes())) as npz:
        old = {k: npz[k] for k in npz.files if not k.startswith("tr_")}
    meta = json.loads(str(old["__meta__"]))
    meta.pop("format")
    old["__meta__"] = np.array(json.dumps(meta))
    buf = io.BytesIO()
    np.savez_compressed(buf, **old)
    again = Feed.from_bytes(buf.getvalue())
    assert len(again.tr_from) == 0 and again.tr_type.dtype == np.int8


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("S1,NOPE,0,,,", r"transfers\.txt.*row 2.*to_stop_id.*unknown stop id 'NOPE'"),
        ("S1,S2,7,,,", r"transfers\.txt.*row 2.*transfer_type.*invalid value '7'"),
        ("S1,S2,2,-5,,", r"transfers\.txt.*row 2.*min_transfer_time.*invalid value '-5'"),
        ("S1,S2,2,soon,,", r"transfers\.txt.*row 2.*min_transfer_time"),
        (",S2,0,,,", r"transfers\.txt.*row 2.*from_stop_id.*stop id is required"),
    ],
)
def test_bad_rows_are_named(row, message):
    with pytest.raises(GTFSError) as err:
        read_feed(feed_with_transfers(HEADER + row + "\n"))
    assert __import__("re").search(message, str(err.value)), str(err.value)
