import datetime

from buf.validate import validate_pb2 as _validate_pb2
from fraud.v1 import decision_pb2 as _decision_pb2
from fraud.v1 import options_pb2 as _options_pb2
from fraud.v1 import rule_service_pb2 as _rule_service_pb2
from fraud.v1 import transaction_pb2 as _transaction_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ScoreTransactionRequest(_message.Message):
    __slots__ = ("transaction",)
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    transaction: _transaction_pb2.TransactionInput
    def __init__(self, transaction: _Optional[_Union[_transaction_pb2.TransactionInput, _Mapping]] = ...) -> None: ...

class ScoreTransactionResponse(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: _decision_pb2.ScoredTransaction
    def __init__(self, result: _Optional[_Union[_decision_pb2.ScoredTransaction, _Mapping]] = ...) -> None: ...

class ListModelsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ModelInfo(_message.Message):
    __slots__ = ("version", "active", "shadow", "created_at", "feature_names", "review_threshold", "decline_threshold", "metrics")
    class MetricsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    SHADOW_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    FEATURE_NAMES_FIELD_NUMBER: _ClassVar[int]
    REVIEW_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    DECLINE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    version: str
    active: bool
    shadow: bool
    created_at: _timestamp_pb2.Timestamp
    feature_names: _containers.RepeatedScalarFieldContainer[str]
    review_threshold: float
    decline_threshold: float
    metrics: _containers.ScalarMap[str, float]
    def __init__(self, version: _Optional[str] = ..., active: _Optional[bool] = ..., shadow: _Optional[bool] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., feature_names: _Optional[_Iterable[str]] = ..., review_threshold: _Optional[float] = ..., decline_threshold: _Optional[float] = ..., metrics: _Optional[_Mapping[str, float]] = ...) -> None: ...

class ListModelsResponse(_message.Message):
    __slots__ = ("models",)
    MODELS_FIELD_NUMBER: _ClassVar[int]
    models: _containers.RepeatedCompositeFieldContainer[ModelInfo]
    def __init__(self, models: _Optional[_Iterable[_Union[ModelInfo, _Mapping]]] = ...) -> None: ...

class ActivateModelRequest(_message.Message):
    __slots__ = ("version", "shadow")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    SHADOW_FIELD_NUMBER: _ClassVar[int]
    version: str
    shadow: bool
    def __init__(self, version: _Optional[str] = ..., shadow: _Optional[bool] = ...) -> None: ...

class ModelChoice(_message.Message):
    __slots__ = ("active_version", "shadow_version", "changed_at", "changed_by")
    ACTIVE_VERSION_FIELD_NUMBER: _ClassVar[int]
    SHADOW_VERSION_FIELD_NUMBER: _ClassVar[int]
    CHANGED_AT_FIELD_NUMBER: _ClassVar[int]
    CHANGED_BY_FIELD_NUMBER: _ClassVar[int]
    active_version: str
    shadow_version: str
    changed_at: _timestamp_pb2.Timestamp
    changed_by: str
    def __init__(self, active_version: _Optional[str] = ..., shadow_version: _Optional[str] = ..., changed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., changed_by: _Optional[str] = ...) -> None: ...

class ActivateModelResponse(_message.Message):
    __slots__ = ("model",)
    MODEL_FIELD_NUMBER: _ClassVar[int]
    model: ModelInfo
    def __init__(self, model: _Optional[_Union[ModelInfo, _Mapping]] = ...) -> None: ...

class StopShadowModelRequest(_message.Message):
    __slots__ = ("version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: str
    def __init__(self, version: _Optional[str] = ...) -> None: ...

class StopShadowModelResponse(_message.Message):
    __slots__ = ("model",)
    MODEL_FIELD_NUMBER: _ClassVar[int]
    model: ModelInfo
    def __init__(self, model: _Optional[_Union[ModelInfo, _Mapping]] = ...) -> None: ...

class GetModelDriftRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PopulationStability(_message.Message):
    __slots__ = ("name", "index")
    NAME_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    name: str
    index: float
    def __init__(self, name: _Optional[str] = ..., index: _Optional[float] = ...) -> None: ...

class GetModelDriftResponse(_message.Message):
    __slots__ = ("model_version", "window_transactions", "window_capacity", "min_transactions", "stability")
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    WINDOW_TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    WINDOW_CAPACITY_FIELD_NUMBER: _ClassVar[int]
    MIN_TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    STABILITY_FIELD_NUMBER: _ClassVar[int]
    model_version: str
    window_transactions: int
    window_capacity: int
    min_transactions: int
    stability: _containers.RepeatedCompositeFieldContainer[PopulationStability]
    def __init__(self, model_version: _Optional[str] = ..., window_transactions: _Optional[int] = ..., window_capacity: _Optional[int] = ..., min_transactions: _Optional[int] = ..., stability: _Optional[_Iterable[_Union[PopulationStability, _Mapping]]] = ...) -> None: ...

class SuggestCitiesRequest(_message.Message):
    __slots__ = ("prefix", "limit")
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    prefix: str
    limit: int
    def __init__(self, prefix: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class City(_message.Message):
    __slots__ = ("name", "country", "lat", "lon")
    NAME_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LON_FIELD_NUMBER: _ClassVar[int]
    name: str
    country: str
    lat: float
    lon: float
    def __init__(self, name: _Optional[str] = ..., country: _Optional[str] = ..., lat: _Optional[float] = ..., lon: _Optional[float] = ...) -> None: ...

class SuggestCitiesResponse(_message.Message):
    __slots__ = ("cities",)
    CITIES_FIELD_NUMBER: _ClassVar[int]
    cities: _containers.RepeatedCompositeFieldContainer[City]
    def __init__(self, cities: _Optional[_Iterable[_Union[City, _Mapping]]] = ...) -> None: ...

class GenerateTransactionsRequest(_message.Message):
    __slots__ = ("users", "count")
    USERS_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    users: int
    count: int
    def __init__(self, users: _Optional[int] = ..., count: _Optional[int] = ...) -> None: ...

class GenerateTransactionsResponse(_message.Message):
    __slots__ = ("transactions",)
    TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    transactions: _containers.RepeatedCompositeFieldContainer[_transaction_pb2.TransactionInput]
    def __init__(self, transactions: _Optional[_Iterable[_Union[_transaction_pb2.TransactionInput, _Mapping]]] = ...) -> None: ...

class CheckRuleExpressionRequest(_message.Message):
    __slots__ = ("expression", "list_names")
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    LIST_NAMES_FIELD_NUMBER: _ClassVar[int]
    expression: str
    list_names: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, expression: _Optional[str] = ..., list_names: _Optional[_Iterable[str]] = ...) -> None: ...

class CheckRuleExpressionResponse(_message.Message):
    __slots__ = ("valid", "message", "line", "column", "rule")
    VALID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    LINE_FIELD_NUMBER: _ClassVar[int]
    COLUMN_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    message: str
    line: int
    column: int
    rule: str
    def __init__(self, valid: _Optional[bool] = ..., message: _Optional[str] = ..., line: _Optional[int] = ..., column: _Optional[int] = ..., rule: _Optional[str] = ...) -> None: ...

class EvaluateDraftRuleRequest(_message.Message):
    __slots__ = ("draft", "transactions")
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    draft: _rule_service_pb2.RuleDefinition
    transactions: _containers.RepeatedCompositeFieldContainer[_decision_pb2.ScoredTransaction]
    def __init__(self, draft: _Optional[_Union[_rule_service_pb2.RuleDefinition, _Mapping]] = ..., transactions: _Optional[_Iterable[_Union[_decision_pb2.ScoredTransaction, _Mapping]]] = ...) -> None: ...

class DraftRuleEffect(_message.Message):
    __slots__ = ("matched", "decision_without", "decision_with")
    MATCHED_FIELD_NUMBER: _ClassVar[int]
    DECISION_WITHOUT_FIELD_NUMBER: _ClassVar[int]
    DECISION_WITH_FIELD_NUMBER: _ClassVar[int]
    matched: bool
    decision_without: _decision_pb2.Decision
    decision_with: _decision_pb2.Decision
    def __init__(self, matched: _Optional[bool] = ..., decision_without: _Optional[_Union[_decision_pb2.Decision, str]] = ..., decision_with: _Optional[_Union[_decision_pb2.Decision, str]] = ...) -> None: ...

class EvaluateDraftRuleResponse(_message.Message):
    __slots__ = ("effects", "rule_set_version")
    EFFECTS_FIELD_NUMBER: _ClassVar[int]
    RULE_SET_VERSION_FIELD_NUMBER: _ClassVar[int]
    effects: _containers.RepeatedCompositeFieldContainer[DraftRuleEffect]
    rule_set_version: str
    def __init__(self, effects: _Optional[_Iterable[_Union[DraftRuleEffect, _Mapping]]] = ..., rule_set_version: _Optional[str] = ...) -> None: ...
