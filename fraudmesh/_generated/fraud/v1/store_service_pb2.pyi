import datetime

from buf.validate import validate_pb2 as _validate_pb2
from fraud.v1 import dead_letter_pb2 as _dead_letter_pb2
from fraud.v1 import decision_pb2 as _decision_pb2
from fraud.v1 import options_pb2 as _options_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PutDecisionsRequest(_message.Message):
    __slots__ = ("decisions",)
    DECISIONS_FIELD_NUMBER: _ClassVar[int]
    decisions: _containers.RepeatedCompositeFieldContainer[_decision_pb2.ScoredTransaction]
    def __init__(self, decisions: _Optional[_Iterable[_Union[_decision_pb2.ScoredTransaction, _Mapping]]] = ...) -> None: ...

class PutDecisionsResponse(_message.Message):
    __slots__ = ("inserted", "refused")
    INSERTED_FIELD_NUMBER: _ClassVar[int]
    REFUSED_FIELD_NUMBER: _ClassVar[int]
    inserted: int
    refused: _containers.RepeatedCompositeFieldContainer[_dead_letter_pb2.ItemError]
    def __init__(self, inserted: _Optional[int] = ..., refused: _Optional[_Iterable[_Union[_dead_letter_pb2.ItemError, _Mapping]]] = ...) -> None: ...

class GetTransactionRequest(_message.Message):
    __slots__ = ("transaction_id",)
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    transaction_id: str
    def __init__(self, transaction_id: _Optional[str] = ...) -> None: ...

class GetTransactionResponse(_message.Message):
    __slots__ = ("transaction",)
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    transaction: _decision_pb2.ScoredTransaction
    def __init__(self, transaction: _Optional[_Union[_decision_pb2.ScoredTransaction, _Mapping]] = ...) -> None: ...

class ListTransactionsRequest(_message.Message):
    __slots__ = ("user_id", "decision", "min_score", "max_score", "since", "until", "label", "page_size", "page_token", "oldest_first")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    MIN_SCORE_FIELD_NUMBER: _ClassVar[int]
    MAX_SCORE_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    OLDEST_FIRST_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    decision: _decision_pb2.Decision
    min_score: float
    max_score: float
    since: _timestamp_pb2.Timestamp
    until: _timestamp_pb2.Timestamp
    label: _decision_pb2.Label
    page_size: int
    page_token: str
    oldest_first: bool
    def __init__(self, user_id: _Optional[str] = ..., decision: _Optional[_Union[_decision_pb2.Decision, str]] = ..., min_score: _Optional[float] = ..., max_score: _Optional[float] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., label: _Optional[_Union[_decision_pb2.Label, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., oldest_first: _Optional[bool] = ...) -> None: ...

class ListTransactionsResponse(_message.Message):
    __slots__ = ("transactions", "next_page_token")
    TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    transactions: _containers.RepeatedCompositeFieldContainer[_decision_pb2.ScoredTransaction]
    next_page_token: str
    def __init__(self, transactions: _Optional[_Iterable[_Union[_decision_pb2.ScoredTransaction, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class LabelTransactionRequest(_message.Message):
    __slots__ = ("transaction_id", "label", "analyst")
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    ANALYST_FIELD_NUMBER: _ClassVar[int]
    transaction_id: str
    label: _decision_pb2.Label
    analyst: str
    def __init__(self, transaction_id: _Optional[str] = ..., label: _Optional[_Union[_decision_pb2.Label, str]] = ..., analyst: _Optional[str] = ...) -> None: ...

class LabelTransactionResponse(_message.Message):
    __slots__ = ("transaction",)
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    transaction: _decision_pb2.ScoredTransaction
    def __init__(self, transaction: _Optional[_Union[_decision_pb2.ScoredTransaction, _Mapping]] = ...) -> None: ...

class GetUserHistoryRequest(_message.Message):
    __slots__ = ("user_id", "before", "limit", "transactions_only")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    TRANSACTIONS_ONLY_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    before: _timestamp_pb2.Timestamp
    limit: int
    transactions_only: bool
    def __init__(self, user_id: _Optional[str] = ..., before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., limit: _Optional[int] = ..., transactions_only: _Optional[bool] = ...) -> None: ...

class GetUserHistoryResponse(_message.Message):
    __slots__ = ("transactions",)
    TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    transactions: _containers.RepeatedCompositeFieldContainer[_decision_pb2.ScoredTransaction]
    def __init__(self, transactions: _Optional[_Iterable[_Union[_decision_pb2.ScoredTransaction, _Mapping]]] = ...) -> None: ...

class UserHistoryWindow(_message.Message):
    __slots__ = ("user_id", "before")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    before: _timestamp_pb2.Timestamp
    def __init__(self, user_id: _Optional[str] = ..., before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetUsersHistoryRequest(_message.Message):
    __slots__ = ("users", "limit", "transactions_only")
    USERS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    TRANSACTIONS_ONLY_FIELD_NUMBER: _ClassVar[int]
    users: _containers.RepeatedCompositeFieldContainer[UserHistoryWindow]
    limit: int
    transactions_only: bool
    def __init__(self, users: _Optional[_Iterable[_Union[UserHistoryWindow, _Mapping]]] = ..., limit: _Optional[int] = ..., transactions_only: _Optional[bool] = ...) -> None: ...

class UserHistory(_message.Message):
    __slots__ = ("user_id", "transactions")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    transactions: _containers.RepeatedCompositeFieldContainer[_decision_pb2.ScoredTransaction]
    def __init__(self, user_id: _Optional[str] = ..., transactions: _Optional[_Iterable[_Union[_decision_pb2.ScoredTransaction, _Mapping]]] = ...) -> None: ...

class GetUsersHistoryResponse(_message.Message):
    __slots__ = ("histories",)
    HISTORIES_FIELD_NUMBER: _ClassVar[int]
    histories: _containers.RepeatedCompositeFieldContainer[UserHistory]
    def __init__(self, histories: _Optional[_Iterable[_Union[UserHistory, _Mapping]]] = ...) -> None: ...

class ListDeadLettersRequest(_message.Message):
    __slots__ = ("hop", "not_replayed", "page_size", "page_token")
    HOP_FIELD_NUMBER: _ClassVar[int]
    NOT_REPLAYED_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    hop: str
    not_replayed: bool
    page_size: int
    page_token: str
    def __init__(self, hop: _Optional[str] = ..., not_replayed: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDeadLettersResponse(_message.Message):
    __slots__ = ("dead_letters", "next_page_token", "total")
    DEAD_LETTERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    dead_letters: _containers.RepeatedCompositeFieldContainer[_dead_letter_pb2.DeadLetter]
    next_page_token: str
    total: int
    def __init__(self, dead_letters: _Optional[_Iterable[_Union[_dead_letter_pb2.DeadLetter, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total: _Optional[int] = ...) -> None: ...

class GetDeadLetterRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetDeadLetterResponse(_message.Message):
    __slots__ = ("dead_letter",)
    DEAD_LETTER_FIELD_NUMBER: _ClassVar[int]
    dead_letter: _dead_letter_pb2.DeadLetter
    def __init__(self, dead_letter: _Optional[_Union[_dead_letter_pb2.DeadLetter, _Mapping]] = ...) -> None: ...

class ReplayDeadLetterRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ReplayDeadLetterResponse(_message.Message):
    __slots__ = ("dead_letter", "transaction_id")
    DEAD_LETTER_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    dead_letter: _dead_letter_pb2.DeadLetter
    transaction_id: str
    def __init__(self, dead_letter: _Optional[_Union[_dead_letter_pb2.DeadLetter, _Mapping]] = ..., transaction_id: _Optional[str] = ...) -> None: ...

class GetStatisticsRequest(_message.Message):
    __slots__ = ("since",)
    SINCE_FIELD_NUMBER: _ClassVar[int]
    since: _timestamp_pb2.Timestamp
    def __init__(self, since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetStatisticsResponse(_message.Message):
    __slots__ = ("total", "approved", "reviewed", "declined", "labelled_fraud", "labelled_legitimate", "mean_score")
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    APPROVED_FIELD_NUMBER: _ClassVar[int]
    REVIEWED_FIELD_NUMBER: _ClassVar[int]
    DECLINED_FIELD_NUMBER: _ClassVar[int]
    LABELLED_FRAUD_FIELD_NUMBER: _ClassVar[int]
    LABELLED_LEGITIMATE_FIELD_NUMBER: _ClassVar[int]
    MEAN_SCORE_FIELD_NUMBER: _ClassVar[int]
    total: int
    approved: int
    reviewed: int
    declined: int
    labelled_fraud: int
    labelled_legitimate: int
    mean_score: float
    def __init__(self, total: _Optional[int] = ..., approved: _Optional[int] = ..., reviewed: _Optional[int] = ..., declined: _Optional[int] = ..., labelled_fraud: _Optional[int] = ..., labelled_legitimate: _Optional[int] = ..., mean_score: _Optional[float] = ...) -> None: ...

class ComparedModel(_message.Message):
    __slots__ = ("version", "review_threshold", "decline_threshold")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    REVIEW_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    DECLINE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    version: str
    review_threshold: float
    decline_threshold: float
    def __init__(self, version: _Optional[str] = ..., review_threshold: _Optional[float] = ..., decline_threshold: _Optional[float] = ...) -> None: ...

class CompareShadowRequest(_message.Message):
    __slots__ = ("active", "shadow", "since")
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    SHADOW_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    active: ComparedModel
    shadow: ComparedModel
    since: _timestamp_pb2.Timestamp
    def __init__(self, active: _Optional[_Union[ComparedModel, _Mapping]] = ..., shadow: _Optional[_Union[ComparedModel, _Mapping]] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ModelFigures(_message.Message):
    __slots__ = ("version", "approved", "reviewed", "declined", "mean_score", "average_precision", "precision_at_review", "recall_at_review", "precision_at_decline", "recall_at_decline")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    APPROVED_FIELD_NUMBER: _ClassVar[int]
    REVIEWED_FIELD_NUMBER: _ClassVar[int]
    DECLINED_FIELD_NUMBER: _ClassVar[int]
    MEAN_SCORE_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_PRECISION_FIELD_NUMBER: _ClassVar[int]
    PRECISION_AT_REVIEW_FIELD_NUMBER: _ClassVar[int]
    RECALL_AT_REVIEW_FIELD_NUMBER: _ClassVar[int]
    PRECISION_AT_DECLINE_FIELD_NUMBER: _ClassVar[int]
    RECALL_AT_DECLINE_FIELD_NUMBER: _ClassVar[int]
    version: str
    approved: int
    reviewed: int
    declined: int
    mean_score: float
    average_precision: float
    precision_at_review: float
    recall_at_review: float
    precision_at_decline: float
    recall_at_decline: float
    def __init__(self, version: _Optional[str] = ..., approved: _Optional[int] = ..., reviewed: _Optional[int] = ..., declined: _Optional[int] = ..., mean_score: _Optional[float] = ..., average_precision: _Optional[float] = ..., precision_at_review: _Optional[float] = ..., recall_at_review: _Optional[float] = ..., precision_at_decline: _Optional[float] = ..., recall_at_decline: _Optional[float] = ...) -> None: ...

class CompareShadowResponse(_message.Message):
    __slots__ = ("compared", "truncated", "limit", "agreed", "score_correlation", "labelled", "labelled_fraud", "active", "shadow")
    COMPARED_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    AGREED_FIELD_NUMBER: _ClassVar[int]
    SCORE_CORRELATION_FIELD_NUMBER: _ClassVar[int]
    LABELLED_FIELD_NUMBER: _ClassVar[int]
    LABELLED_FRAUD_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    SHADOW_FIELD_NUMBER: _ClassVar[int]
    compared: int
    truncated: bool
    limit: int
    agreed: int
    score_correlation: float
    labelled: int
    labelled_fraud: int
    active: ModelFigures
    shadow: ModelFigures
    def __init__(self, compared: _Optional[int] = ..., truncated: _Optional[bool] = ..., limit: _Optional[int] = ..., agreed: _Optional[int] = ..., score_correlation: _Optional[float] = ..., labelled: _Optional[int] = ..., labelled_fraud: _Optional[int] = ..., active: _Optional[_Union[ModelFigures, _Mapping]] = ..., shadow: _Optional[_Union[ModelFigures, _Mapping]] = ...) -> None: ...
