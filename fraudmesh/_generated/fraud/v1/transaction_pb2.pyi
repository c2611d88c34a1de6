import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Channel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANNEL_UNSPECIFIED: _ClassVar[Channel]
    CHANNEL_CARD_PRESENT: _ClassVar[Channel]
    CHANNEL_CARD_NOT_PRESENT: _ClassVar[Channel]
    CHANNEL_CONTACTLESS: _ClassVar[Channel]
    CHANNEL_ATM: _ClassVar[Channel]
CHANNEL_UNSPECIFIED: Channel
CHANNEL_CARD_PRESENT: Channel
CHANNEL_CARD_NOT_PRESENT: Channel
CHANNEL_CONTACTLESS: Channel
CHANNEL_ATM: Channel

class Money(_message.Message):
    __slots__ = ("minor_units", "currency")
    MINOR_UNITS_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    minor_units: int
    currency: str
    def __init__(self, minor_units: _Optional[int] = ..., currency: _Optional[str] = ...) -> None: ...

class Location(_message.Message):
    __slots__ = ("city", "country", "lat", "lon")
    CITY_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LON_FIELD_NUMBER: _ClassVar[int]
    city: str
    country: str
    lat: float
    lon: float
    def __init__(self, city: _Optional[str] = ..., country: _Optional[str] = ..., lat: _Optional[float] = ..., lon: _Optional[float] = ...) -> None: ...

class TransactionInput(_message.Message):
    __slots__ = ("user_id", "amount", "location", "merchant_id", "channel", "occurred_at", "idempotency_key")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    MERCHANT_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    amount: Money
    location: Location
    merchant_id: str
    channel: Channel
    occurred_at: _timestamp_pb2.Timestamp
    idempotency_key: str
    def __init__(self, user_id: _Optional[str] = ..., amount: _Optional[_Union[Money, _Mapping]] = ..., location: _Optional[_Union[Location, _Mapping]] = ..., merchant_id: _Optional[str] = ..., channel: _Optional[_Union[Channel, str]] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class Transaction(_message.Message):
    __slots__ = ("id", "input", "received_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    input: TransactionInput
    received_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., input: _Optional[_Union[TransactionInput, _Mapping]] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
