import datetime

from fraud.v1 import transaction_pb2 as _transaction_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Decision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DECISION_UNSPECIFIED: _ClassVar[Decision]
    DECISION_APPROVE: _ClassVar[Decision]
    DECISION_REVIEW: _ClassVar[Decision]
    DECISION_DECLINE: _ClassVar[Decision]

class Label(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LABEL_UNSPECIFIED: _ClassVar[Label]
    LABEL_FRAUD: _ClassVar[Label]
    LABEL_LEGITIMATE: _ClassVar[Label]
DECISION_UNSPECIFIED: Decision
DECISION_APPROVE: Decision
DECISION_REVIEW: Decision
DECISION_DECLINE: Decision
LABEL_UNSPECIFIED: Label
LABEL_FRAUD: Label
LABEL_LEGITIMATE: Label

class Reason(_message.Message):
    __slots__ = ("feature", "text", "contribution")
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTION_FIELD_NUMBER: _ClassVar[int]
    feature: str
    text: str
    contribution: float
    def __init__(self, feature: _Optional[str] = ..., text: _Optional[str] = ..., contribution: _Optional[float] = ...) -> None: ...

class StageTimes(_message.Message):
    __slots__ = ("received_at", "scored_at", "stored_at", "published_at")
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    SCORED_AT_FIELD_NUMBER: _ClassVar[int]
    STORED_AT_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_FIELD_NUMBER: _ClassVar[int]
    received_at: _timestamp_pb2.Timestamp
    scored_at: _timestamp_pb2.Timestamp
    stored_at: _timestamp_pb2.Timestamp
    published_at: _timestamp_pb2.Timestamp
    def __init__(self, received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., scored_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., stored_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., published_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ShadowScore(_message.Message):
    __slots__ = ("model_version", "score", "decision")
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    model_version: str
    score: float
    decision: Decision
    def __init__(self, model_version: _Optional[str] = ..., score: _Optional[float] = ..., decision: _Optional[_Union[Decision, str]] = ...) -> None: ...

class ScoredTransaction(_message.Message):
    __slots__ = ("transaction", "score", "decision", "is_fraud", "reasons", "model_version", "times", "features", "label", "labelled_at", "shadow_scores", "trace_id", "traceparent", "rule_set_version")
    class FeaturesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    IS_FRAUD_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    TIMES_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    LABELLED_AT_FIELD_NUMBER: _ClassVar[int]
    SHADOW_SCORES_FIELD_NUMBER: _ClassVar[int]
    TRACE_ID_FIELD_NUMBER: _ClassVar[int]
    TRACEPARENT_FIELD_NUMBER: _ClassVar[int]
    RULE_SET_VERSION_FIELD_NUMBER: _ClassVar[int]
    transaction: _transaction_pb2.Transaction
    score: float
    decision: Decision
    is_fraud: bool
    reasons: _containers.RepeatedCompositeFieldContainer[Reason]
    model_version: str
    times: StageTimes
    features: _containers.ScalarMap[str, float]
    label: Label
    labelled_at: _timestamp_pb2.Timestamp
    shadow_scores: _containers.RepeatedCompositeFieldContainer[ShadowScore]
    trace_id: str
    traceparent: str
    rule_set_version: str
    def __init__(self, transaction: _Optional[_Union[_transaction_pb2.Transaction, _Mapping]] = ..., score: _Optional[float] = ..., decision: _Optional[_Union[Decision, str]] = ..., is_fraud: _Optional[bool] = ..., reasons: _Optional[_Iterable[_Union[Reason, _Mapping]]] = ..., model_version: _Optional[str] = ..., times: _Optional[_Union[StageTimes, _Mapping]] = ..., features: _Optional[_Mapping[str, float]] = ..., label: _Optional[_Union[Label, str]] = ..., labelled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., shadow_scores: _Optional[_Iterable[_Union[ShadowScore, _Mapping]]] = ..., trace_id: _Optional[str] = ..., traceparent: _Optional[str] = ..., rule_set_version: _Optional[str] = ...) -> None: ...
