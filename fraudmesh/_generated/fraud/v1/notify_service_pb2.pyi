from buf.validate import validate_pb2 as _validate_pb2
from fraud.v1 import dead_letter_pb2 as _dead_letter_pb2
from fraud.v1 import decision_pb2 as _decision_pb2
from fraud.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PublishDecisionsRequest(_message.Message):
    __slots__ = ("decisions",)
    DECISIONS_FIELD_NUMBER: _ClassVar[int]
    decisions: _containers.RepeatedCompositeFieldContainer[_decision_pb2.ScoredTransaction]
    def __init__(self, decisions: _Optional[_Iterable[_Union[_decision_pb2.ScoredTransaction, _Mapping]]] = ...) -> None: ...

class PublishDecisionsResponse(_message.Message):
    __slots__ = ("last_sequence", "refused")
    LAST_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    REFUSED_FIELD_NUMBER: _ClassVar[int]
    last_sequence: int
    refused: _containers.RepeatedCompositeFieldContainer[_dead_letter_pb2.ItemError]
    def __init__(self, last_sequence: _Optional[int] = ..., refused: _Optional[_Iterable[_Union[_dead_letter_pb2.ItemError, _Mapping]]] = ...) -> None: ...

class DecisionFilter(_message.Message):
    __slots__ = ("decisions", "user_id", "min_score", "fraud_only")
    DECISIONS_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    MIN_SCORE_FIELD_NUMBER: _ClassVar[int]
    FRAUD_ONLY_FIELD_NUMBER: _ClassVar[int]
    decisions: _containers.RepeatedScalarFieldContainer[_decision_pb2.Decision]
    user_id: str
    min_score: float
    fraud_only: bool
    def __init__(self, decisions: _Optional[_Iterable[_Union[_decision_pb2.Decision, str]]] = ..., user_id: _Optional[str] = ..., min_score: _Optional[float] = ..., fraud_only: _Optional[bool] = ...) -> None: ...

class SubscribeDecisionsRequest(_message.Message):
    __slots__ = ("filter", "after_sequence", "subscriber", "replay_newest")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIBER_FIELD_NUMBER: _ClassVar[int]
    REPLAY_NEWEST_FIELD_NUMBER: _ClassVar[int]
    filter: DecisionFilter
    after_sequence: int
    subscriber: str
    replay_newest: int
    def __init__(self, filter: _Optional[_Union[DecisionFilter, _Mapping]] = ..., after_sequence: _Optional[int] = ..., subscriber: _Optional[str] = ..., replay_newest: _Optional[int] = ...) -> None: ...

class SubscribeDecisionsResponse(_message.Message):
    __slots__ = ("sequence", "decision", "gap")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    GAP_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    decision: _decision_pb2.ScoredTransaction
    gap: bool
    def __init__(self, sequence: _Optional[int] = ..., decision: _Optional[_Union[_decision_pb2.ScoredTransaction, _Mapping]] = ..., gap: _Optional[bool] = ...) -> None: ...

class SubscribeDecisionBatchesRequest(_message.Message):
    __slots__ = ("subscription", "max_batch_size")
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    MAX_BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    subscription: SubscribeDecisionsRequest
    max_batch_size: int
    def __init__(self, subscription: _Optional[_Union[SubscribeDecisionsRequest, _Mapping]] = ..., max_batch_size: _Optional[int] = ...) -> None: ...

class SubscribeDecisionBatchesResponse(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[SubscribeDecisionsResponse]
    def __init__(self, events: _Optional[_Iterable[_Union[SubscribeDecisionsResponse, _Mapping]]] = ...) -> None: ...
