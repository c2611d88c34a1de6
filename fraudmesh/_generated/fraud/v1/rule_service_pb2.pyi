import datetime

from buf.validate import validate_pb2 as _validate_pb2
from fraud.v1 import decision_pb2 as _decision_pb2
from fraud.v1 import options_pb2 as _options_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RuleAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RULE_ACTION_UNSPECIFIED: _ClassVar[RuleAction]
    RULE_ACTION_APPROVE: _ClassVar[RuleAction]
    RULE_ACTION_REVIEW: _ClassVar[RuleAction]
    RULE_ACTION_DECLINE: _ClassVar[RuleAction]
    RULE_ACTION_ADD_SCORE: _ClassVar[RuleAction]

class RuleStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RULE_STATUS_UNSPECIFIED: _ClassVar[RuleStatus]
    RULE_STATUS_ACTIVE: _ClassVar[RuleStatus]
    RULE_STATUS_SHADOW: _ClassVar[RuleStatus]
    RULE_STATUS_DISABLED: _ClassVar[RuleStatus]

class RuleListKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RULE_LIST_KIND_UNSPECIFIED: _ClassVar[RuleListKind]
    RULE_LIST_KIND_ALLOW: _ClassVar[RuleListKind]
    RULE_LIST_KIND_BLOCK: _ClassVar[RuleListKind]
    RULE_LIST_KIND_REFERENCE: _ClassVar[RuleListKind]
RULE_ACTION_UNSPECIFIED: RuleAction
RULE_ACTION_APPROVE: RuleAction
RULE_ACTION_REVIEW: RuleAction
RULE_ACTION_DECLINE: RuleAction
RULE_ACTION_ADD_SCORE: RuleAction
RULE_STATUS_UNSPECIFIED: RuleStatus
RULE_STATUS_ACTIVE: RuleStatus
RULE_STATUS_SHADOW: RuleStatus
RULE_STATUS_DISABLED: RuleStatus
RULE_LIST_KIND_UNSPECIFIED: RuleListKind
RULE_LIST_KIND_ALLOW: RuleListKind
RULE_LIST_KIND_BLOCK: RuleListKind
RULE_LIST_KIND_REFERENCE: RuleListKind

class RuleDefinition(_message.Message):
    __slots__ = ("name", "expression", "action", "score_delta", "priority", "status")
    NAME_FIELD_NUMBER: _ClassVar[int]
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    SCORE_DELTA_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    name: str
    expression: str
    action: RuleAction
    score_delta: float
    priority: int
    status: RuleStatus
    def __init__(self, name: _Optional[str] = ..., expression: _Optional[str] = ..., action: _Optional[_Union[RuleAction, str]] = ..., score_delta: _Optional[float] = ..., priority: _Optional[int] = ..., status: _Optional[_Union[RuleStatus, str]] = ...) -> None: ...

class Rule(_message.Message):
    __slots__ = ("id", "definition", "version", "created_by", "created_at", "updated_by", "updated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    DEFINITION_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    definition: RuleDefinition
    version: int
    created_by: str
    created_at: _timestamp_pb2.Timestamp
    updated_by: str
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., definition: _Optional[_Union[RuleDefinition, _Mapping]] = ..., version: _Optional[int] = ..., created_by: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_by: _Optional[str] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RuleRevision(_message.Message):
    __slots__ = ("version", "definition", "change", "changed_by", "changed_at")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DEFINITION_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    CHANGED_BY_FIELD_NUMBER: _ClassVar[int]
    CHANGED_AT_FIELD_NUMBER: _ClassVar[int]
    version: int
    definition: RuleDefinition
    change: str
    changed_by: str
    changed_at: _timestamp_pb2.Timestamp
    def __init__(self, version: _Optional[int] = ..., definition: _Optional[_Union[RuleDefinition, _Mapping]] = ..., change: _Optional[str] = ..., changed_by: _Optional[str] = ..., changed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListRulesRequest(_message.Message):
    __slots__ = ("at_version",)
    AT_VERSION_FIELD_NUMBER: _ClassVar[int]
    at_version: int
    def __init__(self, at_version: _Optional[int] = ...) -> None: ...

class ListRulesResponse(_message.Message):
    __slots__ = ("rules", "rule_set_version")
    RULES_FIELD_NUMBER: _ClassVar[int]
    RULE_SET_VERSION_FIELD_NUMBER: _ClassVar[int]
    rules: _containers.RepeatedCompositeFieldContainer[Rule]
    rule_set_version: int
    def __init__(self, rules: _Optional[_Iterable[_Union[Rule, _Mapping]]] = ..., rule_set_version: _Optional[int] = ...) -> None: ...

class GetRuleRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetRuleResponse(_message.Message):
    __slots__ = ("rule", "revisions")
    RULE_FIELD_NUMBER: _ClassVar[int]
    REVISIONS_FIELD_NUMBER: _ClassVar[int]
    rule: Rule
    revisions: _containers.RepeatedCompositeFieldContainer[RuleRevision]
    def __init__(self, rule: _Optional[_Union[Rule, _Mapping]] = ..., revisions: _Optional[_Iterable[_Union[RuleRevision, _Mapping]]] = ...) -> None: ...

class CreateRuleRequest(_message.Message):
    __slots__ = ("definition",)
    DEFINITION_FIELD_NUMBER: _ClassVar[int]
    definition: RuleDefinition
    def __init__(self, definition: _Optional[_Union[RuleDefinition, _Mapping]] = ...) -> None: ...

class CreateRuleResponse(_message.Message):
    __slots__ = ("rule",)
    RULE_FIELD_NUMBER: _ClassVar[int]
    rule: Rule
    def __init__(self, rule: _Optional[_Union[Rule, _Mapping]] = ...) -> None: ...

class UpdateRuleRequest(_message.Message):
    __slots__ = ("id", "definition", "expected_version")
    ID_FIELD_NUMBER: _ClassVar[int]
    DEFINITION_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    definition: RuleDefinition
    expected_version: int
    def __init__(self, id: _Optional[str] = ..., definition: _Optional[_Union[RuleDefinition, _Mapping]] = ..., expected_version: _Optional[int] = ...) -> None: ...

class UpdateRuleResponse(_message.Message):
    __slots__ = ("rule",)
    RULE_FIELD_NUMBER: _ClassVar[int]
    rule: Rule
    def __init__(self, rule: _Optional[_Union[Rule, _Mapping]] = ...) -> None: ...

class DeleteRuleRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteRuleResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RuleList(_message.Message):
    __slots__ = ("name", "kind", "field", "description", "size", "created_by", "created_at")
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    name: str
    kind: RuleListKind
    field: str
    description: str
    size: int
    created_by: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., kind: _Optional[_Union[RuleListKind, str]] = ..., field: _Optional[str] = ..., description: _Optional[str] = ..., size: _Optional[int] = ..., created_by: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListRuleListsRequest(_message.Message):
    __slots__ = ("at_version",)
    AT_VERSION_FIELD_NUMBER: _ClassVar[int]
    at_version: int
    def __init__(self, at_version: _Optional[int] = ...) -> None: ...

class ListRuleListsResponse(_message.Message):
    __slots__ = ("lists",)
    LISTS_FIELD_NUMBER: _ClassVar[int]
    lists: _containers.RepeatedCompositeFieldContainer[RuleList]
    def __init__(self, lists: _Optional[_Iterable[_Union[RuleList, _Mapping]]] = ...) -> None: ...

class CreateRuleListRequest(_message.Message):
    __slots__ = ("name", "kind", "field", "description")
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    kind: RuleListKind
    field: str
    description: str
    def __init__(self, name: _Optional[str] = ..., kind: _Optional[_Union[RuleListKind, str]] = ..., field: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class CreateRuleListResponse(_message.Message):
    __slots__ = ("list",)
    LIST_FIELD_NUMBER: _ClassVar[int]
    list: RuleList
    def __init__(self, list: _Optional[_Union[RuleList, _Mapping]] = ...) -> None: ...

class DeleteRuleListRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteRuleListResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListRuleListEntriesRequest(_message.Message):
    __slots__ = ("name", "page_size", "page_token", "at_version")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    AT_VERSION_FIELD_NUMBER: _ClassVar[int]
    name: str
    page_size: int
    page_token: str
    at_version: int
    def __init__(self, name: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., at_version: _Optional[int] = ...) -> None: ...

class ListRuleListEntriesResponse(_message.Message):
    __slots__ = ("values", "next_page_token")
    VALUES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[str]
    next_page_token: str
    def __init__(self, values: _Optional[_Iterable[str]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class AddRuleListEntriesRequest(_message.Message):
    __slots__ = ("name", "values")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    name: str
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., values: _Optional[_Iterable[str]] = ...) -> None: ...

class AddRuleListEntriesResponse(_message.Message):
    __slots__ = ("added", "list")
    ADDED_FIELD_NUMBER: _ClassVar[int]
    LIST_FIELD_NUMBER: _ClassVar[int]
    added: int
    list: RuleList
    def __init__(self, added: _Optional[int] = ..., list: _Optional[_Union[RuleList, _Mapping]] = ...) -> None: ...

class RemoveRuleListEntriesRequest(_message.Message):
    __slots__ = ("name", "values")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    name: str
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., values: _Optional[_Iterable[str]] = ...) -> None: ...

class RemoveRuleListEntriesResponse(_message.Message):
    __slots__ = ("removed", "list")
    REMOVED_FIELD_NUMBER: _ClassVar[int]
    LIST_FIELD_NUMBER: _ClassVar[int]
    removed: int
    list: RuleList
    def __init__(self, removed: _Optional[int] = ..., list: _Optional[_Union[RuleList, _Mapping]] = ...) -> None: ...

class GetRuleSetVersionRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetRuleSetVersionResponse(_message.Message):
    __slots__ = ("version", "changed_at")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CHANGED_AT_FIELD_NUMBER: _ClassVar[int]
    version: int
    changed_at: _timestamp_pb2.Timestamp
    def __init__(self, version: _Optional[int] = ..., changed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PreviewRuleRequest(_message.Message):
    __slots__ = ("expression", "action", "score_delta", "priority", "days")
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    SCORE_DELTA_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    expression: str
    action: RuleAction
    score_delta: float
    priority: int
    days: int
    def __init__(self, expression: _Optional[str] = ..., action: _Optional[_Union[RuleAction, str]] = ..., score_delta: _Optional[float] = ..., priority: _Optional[int] = ..., days: _Optional[int] = ...) -> None: ...

class PreviewedTransaction(_message.Message):
    __slots__ = ("id", "user_id", "merchant_id", "amount", "currency", "occurred_at", "score", "label", "decision_without", "decision_with")
    ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    MERCHANT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    DECISION_WITHOUT_FIELD_NUMBER: _ClassVar[int]
    DECISION_WITH_FIELD_NUMBER: _ClassVar[int]
    id: str
    user_id: str
    merchant_id: str
    amount: float
    currency: str
    occurred_at: _timestamp_pb2.Timestamp
    score: float
    label: _decision_pb2.Label
    decision_without: _decision_pb2.Decision
    decision_with: _decision_pb2.Decision
    def __init__(self, id: _Optional[str] = ..., user_id: _Optional[str] = ..., merchant_id: _Optional[str] = ..., amount: _Optional[float] = ..., currency: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., score: _Optional[float] = ..., label: _Optional[_Union[_decision_pb2.Label, str]] = ..., decision_without: _Optional[_Union[_decision_pb2.Decision, str]] = ..., decision_with: _Optional[_Union[_decision_pb2.Decision, str]] = ...) -> None: ...

class PreviewRuleResponse(_message.Message):
    __slots__ = ("days", "since", "scanned", "truncated", "matched", "reviews_without", "reviews_with", "declines_without", "declines_with", "frauds_matched", "frauds", "legitimate_matched", "legitimate", "rule_set_version")
    DAYS_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    SCANNED_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    MATCHED_FIELD_NUMBER: _ClassVar[int]
    REVIEWS_WITHOUT_FIELD_NUMBER: _ClassVar[int]
    REVIEWS_WITH_FIELD_NUMBER: _ClassVar[int]
    DECLINES_WITHOUT_FIELD_NUMBER: _ClassVar[int]
    DECLINES_WITH_FIELD_NUMBER: _ClassVar[int]
    FRAUDS_MATCHED_FIELD_NUMBER: _ClassVar[int]
    FRAUDS_FIELD_NUMBER: _ClassVar[int]
    LEGITIMATE_MATCHED_FIELD_NUMBER: _ClassVar[int]
    LEGITIMATE_FIELD_NUMBER: _ClassVar[int]
    RULE_SET_VERSION_FIELD_NUMBER: _ClassVar[int]
    days: int
    since: _timestamp_pb2.Timestamp
    scanned: int
    truncated: bool
    matched: int
    reviews_without: int
    reviews_with: int
    declines_without: int
    declines_with: int
    frauds_matched: int
    frauds: _containers.RepeatedCompositeFieldContainer[PreviewedTransaction]
    legitimate_matched: int
    legitimate: _containers.RepeatedCompositeFieldContainer[PreviewedTransaction]
    rule_set_version: str
    def __init__(self, days: _Optional[int] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., scanned: _Optional[int] = ..., truncated: _Optional[bool] = ..., matched: _Optional[int] = ..., reviews_without: _Optional[int] = ..., reviews_with: _Optional[int] = ..., declines_without: _Optional[int] = ..., declines_with: _Optional[int] = ..., frauds_matched: _Optional[int] = ..., frauds: _Optional[_Iterable[_Union[PreviewedTransaction, _Mapping]]] = ..., legitimate_matched: _Optional[int] = ..., legitimate: _Optional[_Iterable[_Union[PreviewedTransaction, _Mapping]]] = ..., rule_set_version: _Optional[str] = ...) -> None: ...
