// The edge's JSON shapes under the console's names, taken from schema.ts, which `npm run api:generate`
// writes from the edge's OpenAPI document (edge/rest_models.py); `npm run api:check` fails when stale.
import type { components, paths } from "./schema";

type Schemas = components["schemas"];
type Json<Response> = Response extends { content: { "application/json": infer Body } } ? Body : never;

/** One scored transaction, as GET responses and the WebSocket carry it. */
export type Decision = Schemas["DecisionOut"];
export type DecisionKind = Decision["decision"];
export type Channel = NonNullable<Schemas["TransactionIn"]["channel"]>;
export type LabelKind = Schemas["LabelIn"]["label"];

export type Location = Schemas["LocationOut"];
export type Reason = Schemas["ReasonOut"];
export type ShadowScore = Schemas["ShadowScoreOut"];
export type StageTimes = Schemas["StageTimesOut"];

export type TransactionInput = Schemas["TransactionIn"];
export type TransactionLocationInput = Schemas["LocationIn"];

type SubmitResponses = paths["/api/transaction"]["post"]["responses"];
/** 201 without `wait_ms`, 202 when the decision did not come in time. */
export type SubmitAccepted = Json<SubmitResponses[201]> | Json<SubmitResponses[202]>;
export type SubmitDecided = Json<SubmitResponses[200]>;
export type SubmitResult = SubmitAccepted | SubmitDecided;

export type Violation = Schemas["ViolationOut"];
export type ApiErrorBody = Schemas["ErrorOut"];

export type TransactionQuery = NonNullable<paths["/api/transactions"]["get"]["parameters"]["query"]>;
export type TransactionPage = Schemas["TransactionPageOut"];
export type Stats = Schemas["StatsOut"];
export type ModelInfo = Schemas["ModelOut"];
export type ModelList = Schemas["ModelsOut"];
export type ModelActivated = Schemas["ActivatedOut"];
export type ShadowStopped = Schemas["ShadowStoppedOut"];
/** Scoring's population stability of the score and each feature against the active model's training data. */
export type ModelDrift = Schemas["ModelDriftOut"];
export type PopulationStability = Schemas["PopulationStabilityOut"];
/** Store's comparison of scoring's shadow model with its active one on the same stored decisions. */
export type ModelComparison = Schemas["ModelComparisonOut"];
export type ModelFigures = Schemas["ModelFiguresOut"];
export type TrafficStatus = Schemas["TrafficOut"];
export type ConsoleConfig = Schemas["ConfigOut"];
export type CitySuggestion = Schemas["CityOut"];
export type CitySuggestions = Schemas["CitiesOut"];

/** A record a hop set aside; from GET /api/dead-letters/{id} with its payload and decoded transaction. */
export type DeadLetter = Schemas["DeadLetterOut"];
export type DeadLetterError = Schemas["DeadLetterErrorOut"];
export type DeadLetterQuery = NonNullable<paths["/api/dead-letters"]["get"]["parameters"]["query"]>;
export type DeadLetterPage = Schemas["DeadLetterPageOut"];
export type DeadLetterReplay = Schemas["DeadLetterReplayOut"];

type Missing<Member, Given extends readonly unknown[]> = Exclude<Member, Given[number]>;

/** The union's members in the order given; a member added to or dropped from the schema fails to compile. */
function everyMember<Member extends string>() {
  return <const Given extends readonly Member[]>(
    members: Given & ([Missing<Member, Given>] extends [never] ? unknown : { missing: Missing<Member, Given> }),
  ): readonly Member[] => members;
}

export const DECISION_KINDS = everyMember<DecisionKind>()(["APPROVE", "REVIEW", "DECLINE"]);
export const CHANNELS = everyMember<Channel>()(["card_present", "card_not_present", "contactless", "atm"]);
export type AuditEvent = Schemas["AuditEventOut"];
export type AuditPage = Schemas["AuditPageOut"];
export type AuditQuery = NonNullable<paths["/api/audit"]["get"]["parameters"]["query"]>;

/** A trace as the console's trace view draws it (GET /api/traces/{trace_id}). */
export type Trace = Schemas["TraceOut"];
export type TraceSpan = Schemas["TraceSpanOut"];
export type KafkaWait = Schemas["KafkaWaitOut"];

/** The review queue's cases (GET /api/cases), one with its transaction and notes (GET /api/cases/{id}). */
export type Case = Schemas["CaseOut"];
export type CaseStatus = Case["status"];
export type CaseNote = Schemas["CaseNoteOut"];
export type CasePage = Schemas["CasePageOut"];
export type CaseDetail = Schemas["CaseDetailOut"];
export type CaseClosed = Schemas["CaseClosedOut"];
export type CaseQuery = NonNullable<paths["/api/cases"]["get"]["parameters"]["query"]>;

/** Analysts' rules (GET /api/rules), one with its revisions (GET /api/rules/{id}), and their lists. */
export type Rule = Schemas["RuleOut"];
export type RuleInput = Schemas["RuleIn"];
/** A rule's new revision; `expected_version` (the version read) makes a concurrent change a 409 `aborted`. */
export type RuleUpdateInput = Schemas["RuleUpdateIn"];
export type RuleAction = Rule["action"];
export type RuleStatus = Rule["status"];
export type RuleRevision = Schemas["RuleRevisionOut"];
export type Rules = Schemas["RulesOut"];
export type RuleWithHistory = Schemas["RuleWithHistoryOut"];
export type RuleList = Schemas["RuleListOut"];
export type RuleLists = Schemas["RuleListsOut"];
export type RuleListInput = Schemas["RuleListIn"];
export type RuleListKind = RuleList["kind"];
export type ListEntries = Schemas["ListEntriesOut"];
export type ListEntriesChanged = Schemas["ListEntriesChangedOut"];
/** A draft rule against the stored decisions of the last days (POST /api/rules:preview). */
export type RulePreviewInput = Schemas["RulePreviewIn"];
export type RulePreview = Schemas["RulePreviewOut"];
export type PreviewedTransaction = Schemas["PreviewedTransactionOut"];
export const RULE_ACTIONS = everyMember<RuleAction>()(["REVIEW", "DECLINE", "APPROVE", "ADD_SCORE"]);
export const RULE_LIST_KINDS = everyMember<RuleListKind>()(["BLOCK", "ALLOW", "REFERENCE"]);
