"""Labelled history files: one CSV format (also Parquet, chosen by the file extension).

    transaction_id,user_id,occurred_at,amount,currency,merchant_id,channel,lat,lon,city,country,is_fraud

`occurred_at` is ISO 8601 (an offset or Z; without one it is taken as UTC); `amount` is in major
units of `currency`; `channel` is card_present, card_not_present (also accepted: contactless, atm,
unspecified); `lat`/`lon` may be empty, and then the city (and country) is geocoded; `is_fraud` is 1,
0 or empty (label not known yet). Extra columns (the generator's `scenario`) are kept in the frame
and ignored by training."""

from __future__ import annotations

import math
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd

from fraudmesh.conversions.money import DEFAULT_CURRENCY
from fraudmodel.events import CHANNELS, TxnEvent
from fraudmodel.geo import Gazetteer, default_gazetteer

COLUMNS = (
    "transaction_id",
    "user_id",
    "occurred_at",
    "amount",
    "currency",
    "merchant_id",
    "channel",
    "lat",
    "lon",
    "city",
    "country",
    "is_fraud",
)


class HistoryFormatError(ValueError):
    """A history file that breaks the format; the message names the file, row and column."""


def _is_parquet(path: Path) -> bool:
    return path.suffix.lower() in {".parquet", ".pq"}


def read_history(path: str | Path, gazetteer: Gazetteer | None = None) -> pd.DataFrame:
    """Read and validate a history file; missing coordinates are geocoded from city and country."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"history file {path} does not exist")
    if _is_parquet(path):
        frame = pd.read_parquet(path)
    else:
        frame = pd.read_csv(
            path,
            dtype={
                "transaction_id": str,
                "user_id": str,
                "merchant_id": str,
                "currency": str,
                "channel": str,
                "city": str,
                "country": str,
            },
            keep_default_na=False,
            na_values={"lat": [""], "lon": [""], "is_fraud": [""], "amount": [""]},
        )
    return validate_history(frame, str(path), gazetteer)


def validate_history(frame: pd.DataFrame, source: str = "history", gazetteer: Gazetteer | None = None) -> pd.DataFrame:
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise HistoryFormatError(f"{source}: missing column(s) {', '.join(missing)}; expected {','.join(COLUMNS)}")
    frame = frame.copy()
    for col in ("transaction_id", "user_id", "merchant_id", "currency", "channel", "city", "country"):
        frame[col] = frame[col].fillna("").astype(str)

    def fail(mask: pd.Series, column: str, rule: str) -> None:
        if mask.any():
            row = int(np.flatnonzero(mask.to_numpy())[0])
            value = frame[column].iloc[row]
            raise HistoryFormatError(f"{source}: row {row + 2}: column {column!r}: {rule} (got {value!r})")

    fail(frame["transaction_id"] == "", "transaction_id", "must not be empty")
    fail(frame["user_id"] == "", "user_id", "must not be empty")
    fail(frame["transaction_id"].duplicated(), "transaction_id", "must be unique")
    try:
        occurred = pd.to_datetime(frame["occurred_at"], utc=True, format="ISO8601")
    except (ValueError, TypeError) as exc:
        raise HistoryFormatError(f"{source}: column 'occurred_at': must be ISO 8601 ({exc})") from None
    fail(occurred.isna(), "occurred_at", "must be an ISO 8601 timestamp")
    frame["occurred_at"] = occurred
    amount = pd.to_numeric(frame["amount"], errors="coerce")
    fail(amount.isna() | ~(amount > 0), "amount", "must be a positive number")
    frame["amount"] = amount.astype(float)
    frame.loc[frame["currency"] == "", "currency"] = DEFAULT_CURRENCY
    fail(~frame["currency"].str.fullmatch(r"[A-Z]{3}"), "currency", "must be an ISO 4217 code like USD")
    frame.loc[frame["channel"] == "", "channel"] = "unspecified"
    fail(~frame["channel"].isin(CHANNELS), "channel", f"must be one of {', '.join(CHANNELS)}")
    for col, bound in (("lat", 90), ("lon", 180)):
        values = pd.to_numeric(frame[col], errors="coerce")
        fail(frame[col].notna() & values.isna(), col, "must be a number or empty")
        fail(values.abs() > bound, col, f"must be between -{bound} and {bound}")
        frame[col] = values.astype(float)
    label = pd.to_numeric(frame["is_fraud"], errors="coerce")
    fail(frame["is_fraud"].notna() & ~label.isin([0, 1]), "is_fraud", "must be 1, 0 or empty")
    frame["is_fraud"] = label.astype("Int8")

    unlocated = frame["lat"].isna() | frame["lon"].isna()
    if unlocated.any():
        gaz = gazetteer or default_gazetteer()
        for key, idx in frame[unlocated].groupby(["city", "country"]).groups.items():
            city, country = cast("tuple[str, str]", key)  # grouped by two columns: each key is a pair
            place = gaz.locate(city, country) if city else None
            if place is not None:
                frame.loc[idx, "lat"] = place.lat
                frame.loc[idx, "lon"] = place.lon
    return frame


def write_history(frame: pd.DataFrame, path: str | Path, *, extra_columns: tuple[str, ...] = ()) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = frame.loc[:, [*COLUMNS, *extra_columns]].copy()
    if _is_parquet(path):
        out.to_parquet(path, index=False)
        return
    out["occurred_at"] = pd.to_datetime(out["occurred_at"], utc=True).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    out["is_fraud"] = out["is_fraud"].astype("Int8")
    out.to_csv(path, index=False, float_format="%.10g")


def frame_to_events(frame: pd.DataFrame) -> list[TxnEvent]:
    occurred = frame["occurred_at"].dt.to_pydatetime()
    labels = frame["is_fraud"].astype("Int8")

    def opt(value: float) -> float | None:
        return None if math.isnan(value) else float(value)

    return [
        TxnEvent(
            transaction_id=tid,
            user_id=uid,
            occurred_at=at,
            amount=float(amount),
            currency=cur,
            merchant_id=mid,
            channel=ch,
            lat=opt(lat),
            lon=opt(lon),
            city=city,
            country=country,
            label=None if label is pd.NA else bool(label),
        )
        for tid, uid, at, amount, cur, mid, ch, lat, lon, city, country, label in zip(
            frame["transaction_id"],
            frame["user_id"],
            occurred,
            frame["amount"],
            frame["currency"],
            frame["merchant_id"],
            frame["channel"],
            frame["lat"].to_numpy(float),
            frame["lon"].to_numpy(float),
            frame["city"],
            frame["country"],
            labels,
            strict=True,
        )
    ]


def read_events(path: str | Path, gazetteer: Gazetteer | None = None) -> tuple[pd.DataFrame, list[TxnEvent]]:
    frame = read_history(path, gazetteer)
    return frame, frame_to_events(frame)
