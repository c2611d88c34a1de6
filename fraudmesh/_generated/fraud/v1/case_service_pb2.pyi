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

class CaseStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CASE_STATUS_UNSPECIFIED: _ClassVar[CaseStatus]
    CASE_STATUS_OPEN: _ClassVar[CaseStatus]
    CASE_STATUS_INVESTIGATING: _ClassVar[CaseStatus]
    CASE_STATUS_CLOSED_FRAUD: _ClassVar[CaseStatus]
    CASE_STATUS_CLOSED_LEGITIMATE: _ClassVar[CaseStatus]

class CaseOrder(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CASE_ORDER_UNSPECIFIED: _ClassVar[CaseOrder]
    CASE_ORDER_NEWEST_FIRST: _ClassVar[CaseOrder]
    CASE_ORDER_HIGHEST_SCORE_FIRST: _ClassVar[CaseOrder]
CASE_STATUS_UNSPECIFIED: CaseStatus
CASE_STATUS_OPEN: CaseStatus
CASE_STATUS_INVESTIGATING: CaseStatus
CASE_STATUS_CLOSED_FRAUD: CaseStatus
CASE_STATUS_CLOSED_LEGITIMATE: CaseStatus
CASE_ORDER_UNSPECIFIED: CaseOrder
CASE_ORDER_NEWEST_FIRST: CaseOrder
CASE_ORDER_HIGHEST_SCORE_FIRST: CaseOrder

class Case(_message.Message):
    __slots__ = ("id", "status", "assignee", "opened_at", "updated_at", "closed_by", "closed_at", "user_id", "merchant_id", "score", "occurred_at", "label")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    CLOSED_BY_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    MERCHANT_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    id: str
    status: CaseStatus
    assignee: str
    opened_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    closed_by: str
    closed_at: _timestamp_pb2.Timestamp
    user_id: str
    merchant_id: str
    score: float
    occurred_at: _timestamp_pb2.Timestamp
    label: _decision_pb2.Label
    def __init__(self, id: _Optional[str] = ..., status: _Optional[_Union[CaseStatus, str]] = ..., assignee: _Optional[str] = ..., opened_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., closed_by: _Optional[str] = ..., closed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., user_id: _Optional[str] = ..., merchant_id: _Optional[str] = ..., score: _Optional[float] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., label: _Optional[_Union[_decision_pb2.Label, str]] = ...) -> None: ...

class CaseNote(_message.Message):
    __slots__ = ("id", "author", "text", "written_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    WRITTEN_AT_FIELD_NUMBER: _ClassVar[int]
    id: int
    author: str
    text: str
    written_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., author: _Optional[str] = ..., text: _Optional[str] = ..., written_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListCasesRequest(_message.Message):
    __slots__ = ("unlabelled", "assigned_to_me", "assignee", "unassigned", "statuses", "min_score", "max_score", "since", "until", "user_id", "merchant_id", "order", "page_size", "page_token")
    UNLABELLED_FIELD_NUMBER: _ClassVar[int]
    ASSIGNED_TO_ME_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    UNASSIGNED_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    MIN_SCORE_FIELD_NUMBER: _ClassVar[int]
    MAX_SCORE_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    MERCHANT_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    unlabelled: bool
    assigned_to_me: bool
    assignee: str
    unassigned: bool
    statuses: _containers.RepeatedScalarFieldContainer[CaseStatus]
    min_score: float
    max_score: float
    since: _timestamp_pb2.Timestamp
    until: _timestamp_pb2.Timestamp
    user_id: str
    merchant_id: str
    order: CaseOrder
    page_size: int
    page_token: str
    def __init__(self, unlabelled: _Optional[bool] = ..., assigned_to_me: _Optional[bool] = ..., assignee: _Optional[str] = ..., unassigned: _Optional[bool] = ..., statuses: _Optional[_Iterable[_Union[CaseStatus, str]]] = ..., min_score: _Optional[float] = ..., max_score: _Optional[float] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., user_id: _Optional[str] = ..., merchant_id: _Optional[str] = ..., order: _Optional[_Union[CaseOrder, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCasesResponse(_message.Message):
    __slots__ = ("cases", "next_page_token")
    CASES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    cases: _containers.RepeatedCompositeFieldContainer[Case]
    next_page_token: str
    def __init__(self, cases: _Optional[_Iterable[_Union[Case, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetCaseRequest(_message.Message):
    __slots__ = ("case_id",)
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    def __init__(self, case_id: _Optional[str] = ...) -> None: ...

class GetCaseResponse(_message.Message):
    __slots__ = ("case", "transaction", "notes")
    CASE_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    case: Case
    transaction: _decision_pb2.ScoredTransaction
    notes: _containers.RepeatedCompositeFieldContainer[CaseNote]
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ..., transaction: _Optional[_Union[_decision_pb2.ScoredTransaction, _Mapping]] = ..., notes: _Optional[_Iterable[_Union[CaseNote, _Mapping]]] = ...) -> None: ...

class AssignCaseRequest(_message.Message):
    __slots__ = ("case_id", "assignee")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    assignee: str
    def __init__(self, case_id: _Optional[str] = ..., assignee: _Optional[str] = ...) -> None: ...

class AssignCaseResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class AddCaseNoteRequest(_message.Message):
    __slots__ = ("case_id", "text")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    text: str
    def __init__(self, case_id: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class AddCaseNoteResponse(_message.Message):
    __slots__ = ("note",)
    NOTE_FIELD_NUMBER: _ClassVar[int]
    note: CaseNote
    def __init__(self, note: _Optional[_Union[CaseNote, _Mapping]] = ...) -> None: ...

class SetCaseStatusRequest(_message.Message):
    __slots__ = ("case_id", "status")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    status: CaseStatus
    def __init__(self, case_id: _Optional[str] = ..., status: _Optional[_Union[CaseStatus, str]] = ...) -> None: ...

class SetCaseStatusResponse(_message.Message):
    __slots__ = ("case", "transaction")
    CASE_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    case: Case
    transaction: _decision_pb2.ScoredTransaction
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ..., transaction: _Optional[_Union[_decision_pb2.ScoredTransaction, _Mapping]] = ...) -> None: ...
