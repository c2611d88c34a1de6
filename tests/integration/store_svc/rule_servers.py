"""Store's RuleService on a free port, checking expressions with scoring's own CheckRuleExpression on
another: the two real gRPC servers a rule goes through before it is kept."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fraud.v1 import rule_service_pb2_grpc
from sqlalchemy.ext.asyncio import AsyncEngine

from fraudmesh.grpc_server import GrpcServer, insecure_channel
from scoring_svc.draft_rules import DraftRuleEvaluator
from scoring_svc.servicer import ScoringServicer
from store_svc.rule_checking import ScoringExpressionChecker
from store_svc.rule_list_repository import RuleListRepository
from store_svc.rule_preview import MAX_ROWS, RulePreview
from store_svc.rule_repository import RuleRepository
from store_svc.rule_servicer import RuleServicer


def scoring_checker_server(draft_rules: DraftRuleEvaluator | None = None) -> GrpcServer:
    """Scoring's servicer with nothing but its rule engine: CheckRuleExpression needs no model, and
    EvaluateDraftRule only the rule set and thresholds `draft_rules` gives."""
    servicer = ScoringServicer(None, None, None, None, None, draft_rules=draft_rules)  # type: ignore[arg-type]
    return GrpcServer(services=[servicer.registration()], address="127.0.0.1:0", grace_seconds=1.0)


@dataclass(frozen=True)
class RunningRules:
    stub: rule_service_pb2_grpc.RuleServiceStub
    address: str  # store's, serving RuleService


@asynccontextmanager
async def rule_service(
    engine: AsyncEngine, draft_rules: DraftRuleEvaluator | None = None, preview_rows: int = MAX_ROWS
) -> AsyncIterator[RunningRules]:
    """`draft_rules`: what scoring previews a draft beside (none: PreviewRule is refused by scoring);
    `preview_rows`: the most stored decisions a preview reads."""
    scoring = scoring_checker_server(draft_rules)
    await scoring.start()
    scoring_channel = insecure_channel(f"127.0.0.1:{scoring.port}")
    checker = ScoringExpressionChecker(scoring_channel)
    lists = RuleListRepository(engine, checker)
    preview = RulePreview(
        engine, scoring_channel, ScoringExpressionChecker(scoring_channel, "expression"), lists, max_rows=preview_rows
    )
    store = GrpcServer(
        services=[RuleServicer(RuleRepository(engine, checker), lists, preview).registration()],
        address="127.0.0.1:0",
        grace_seconds=1.0,
    )
    await store.start()
    address = f"127.0.0.1:{store.port}"
    channel = insecure_channel(address)
    try:
        yield RunningRules(rule_service_pb2_grpc.RuleServiceStub(channel), address)
    finally:
        await channel.close()
        await store.stop()
        await scoring_channel.close()
        await scoring.stop()
