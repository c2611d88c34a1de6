from __future__ import annotations

import pytest

from fraudmodel.history_files import HistoryFormatError, frame_to_events, read_history

HEADER = "transaction_id,user_id,occurred_at,amount,currency,merchant_id,channel,lat,lon,city,country,is_fraud\n"


def _write(tmp_path, *rows: str):
    path = tmp_path / "h.csv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows))
    return path


def test_reads_labels_unknown_labels_and_geocodes_missing_coordinates(tmp_path):
    path = _write(
        tmp_path,
        "t1,u1,2025-03-01T10:00:00Z,12.50,EUR,m1,card_present,,,Paris,FR,1",
        "t2,u1,2025-03-01T11:00:00+02:00,3,USD,m2,card_not_present,40.7,-74.0,New York City,US,",
        "t3,u2,2025-03-01T12:00:00Z,7,,m3,card_present,,,Nowhere-on-earth,ZZ,0",
    )
    frame = read_history(path)
    paris, nyc, nowhere = frame_to_events(frame)
    assert paris.label is True and nyc.label is None and nowhere.label is False
    assert paris.lat == pytest.approx(48.85, abs=0.1) and paris.lon == pytest.approx(2.35, abs=0.1)
    assert (nyc.lat, nyc.lon) == (40.7, -74.0)
    assert nowhere.lat is None and nowhere.currency == "USD"
    assert nyc.occurred_at.isoformat() == "2025-03-01T09:00:00+00:00"


@pytest.mark.parametrize(
    ("row", "column", "rule"),
    [
        ("t1,u1,2025-03-01T10:00:00Z,12.5,USD,m1,teleport,,,,,0", "channel", "must be one of"),
        ("t1,u1,2025-03-01T10:00:00Z,12.5,USD,m1,card_present,,,,,2", "is_fraud", "must be 1, 0 or empty"),
        ("t1,u1,2025-03-01T10:00:00Z,-4,USD,m1,card_present,,,,,0", "amount", "positive"),
        ("t1,u1,yesterday,4,USD,m1,card_present,,,,,0", "occurred_at", "ISO 8601"),
        ("t1,u1,2025-03-01T10:00:00Z,4,USD,m1,card_present,95,0,,,0", "lat", "between"),
        ("t1,,2025-03-01T10:00:00Z,4,USD,m1,card_present,,,,,0", "user_id", "must not be empty"),
    ],
)
def test_bad_rows_are_rejected_naming_row_column_and_rule(tmp_path, row, column, rule):
    with pytest.raises(HistoryFormatError) as error:
        read_history(_write(tmp_path, row))
    message = str(error.value)
    assert column in message and rule in message
    if column != "occurred_at":
        assert "row 2" in message


def test_missing_column_is_named(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("transaction_id,user_id\nt1,u1\n")
    with pytest.raises(HistoryFormatError, match="occurred_at"):
        read_history(path)
