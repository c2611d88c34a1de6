import { ApiError, errorFromResponse } from "./ApiError";
import type {
  AuditPage,
  AuditQuery,
  Case,
  CaseClosed,
  CaseDetail,
  CaseNote,
  CasePage,
  CaseQuery,
  CitySuggestion,
  CitySuggestions,
  ConsoleConfig,
  DeadLetter,
  DeadLetterPage,
  DeadLetterQuery,
  DeadLetterReplay,
  Decision,
  LabelKind,
  ListEntries,
  ListEntriesChanged,
  ModelActivated,
  ModelComparison,
  ModelDrift,
  ModelInfo,
  ModelList,
  Rule,
  RuleInput,
  RuleList,
  RuleListInput,
  RuleLists,
  RulePreview,
  RulePreviewInput,
  Rules,
  RuleUpdateInput,
  RuleWithHistory,
  ShadowStopped,
  Stats,
  SubmitResult,
  TransactionInput,
  TransactionPage,
  TransactionQuery,
  Trace,
  TrafficStatus,
} from "./types";

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** Everything the console asks of the edge; components receive it through ApiContext. */
export interface Api {
  submitTransaction(input: TransactionInput, waitMs?: number): Promise<SubmitResult>;
  listTransactions(query: TransactionQuery): Promise<TransactionPage>;
  getTransaction(id: string): Promise<Decision>;
  labelTransaction(id: string, label: LabelKind, analyst?: string): Promise<Decision>;
  getStats(since?: string): Promise<Stats>;
  listModels(): Promise<ModelInfo[]>;
  activateModel(version: string): Promise<ModelInfo>;
  /** Stops scoring `version` as the shadow model; 409 when it is not the shadow now. */
  stopShadow(version: string): Promise<ModelInfo>;
  /** How far the traffic scoring sees now has moved from the active model's training data. */
  getModelDrift(): Promise<ModelDrift>;
  /** The shadow model against the active one on the decisions of the last `days` days. */
  compareShadow(days: number): Promise<ModelComparison>;
  /** Where a file of a version's evaluation report is served, e.g. `roc.png` or `report.md`. */
  modelReportUrl(version: string, file: string): string;
  getTraffic(): Promise<TrafficStatus>;
  startTraffic(rate: number, users?: number): Promise<unknown>;
  stopTraffic(): Promise<unknown>;
  getConfig(): Promise<ConsoleConfig>;
  suggestCities(prefix: string): Promise<CitySuggestion[]>;
  listDeadLetters(query: DeadLetterQuery): Promise<DeadLetterPage>;
  getDeadLetter(id: string): Promise<DeadLetter>;
  /** Sends the letter's transaction back through ingest; 409 when its payload is no transaction. */
  replayDeadLetter(id: string): Promise<DeadLetterReplay>;
  /** The audit trail, newest first (admins only). */
  listAudit(query: AuditQuery): Promise<AuditPage>;
  /** A trace as the edge reads it from Jaeger; 404 while Jaeger does not hold it, 503 without Jaeger. */
  getTrace(traceId: string): Promise<Trace>;
  /** The review queue, a page at a time (cursor in next_page_token). */
  listCases(query: CaseQuery): Promise<CasePage>;
  getCase(id: string): Promise<CaseDetail>;
  /** Gives the case to the caller (or `assignee`); an open case becomes investigating. */
  assignCase(id: string, assignee?: string): Promise<Case>;
  addCaseNote(id: string, text: string): Promise<CaseNote>;
  /** Closing as fraud or legitimate labels the transaction. */
  setCaseStatus(id: string, status: Case["status"]): Promise<CaseClosed>;
  /** The rules by priority, now or as they were at rule-set version `atVersion` (422 naming
   * `at_version` for one not reached yet or older than the kept history); 422 on create or update
   * names the expression's line and column. */
  listRules(atVersion?: number): Promise<Rules>;
  getRule(id: string): Promise<RuleWithHistory>;
  createRule(rule: RuleInput): Promise<Rule>;
  /** A new revision: every field of the rule is replaced; 409 `aborted` when `expected_version` is stale. */
  updateRule(id: string, rule: RuleUpdateInput): Promise<Rule>;
  /** A draft against the stored decisions of the last days; changes nothing. */
  previewRule(draft: RulePreviewInput): Promise<RulePreview>;
  listLists(): Promise<RuleList[]>;
  /** 422 names the field it refuses (`name`, `field`, `description`); 409 when the name is taken. */
  createList(list: RuleListInput): Promise<RuleList>;
  /** 409 `failed_precondition` naming the rules when a rule still names the list. */
  deleteList(name: string): Promise<void>;
  /** A page of a list's entries in order of value. */
  listEntries(name: string, pageToken?: string): Promise<ListEntries>;
  addEntries(name: string, values: string[]): Promise<ListEntriesChanged>;
  removeEntries(name: string, values: string[]): Promise<ListEntriesChanged>;
}

type QueryValue = string | number | boolean | null | undefined;

function queryString(params: Record<string, QueryValue | readonly QueryValue[]>): string {
  const search = new URLSearchParams();
  for (const [key, given] of Object.entries(params)) {
    // A list repeats its parameter (`status=open&status=investigating`), as FastAPI reads lists.
    for (const value of Array.isArray(given) ? given : [given]) {
      if (value !== undefined && value !== null && value !== "") search.append(key, String(value));
    }
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

export function createApi(fetchImpl: FetchLike, baseUrl = ""): Api {
  async function request<T>(path: string, init?: RequestInit): Promise<T> {
    let response: Response;
    try {
      response = await fetchImpl(`${baseUrl}${path}`, {
        ...init,
        headers: { Accept: "application/json", ...(init?.body ? { "Content-Type": "application/json" } : {}) },
      });
    } catch (error) {
      throw new ApiError(0, { error: "network", message: `cannot reach the edge: ${String(error)}` });
    }
    if (!response.ok) throw await errorFromResponse(response);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  const post = <T>(path: string, body?: unknown) =>
    request<T>(path, { method: "POST", body: body === undefined ? undefined : JSON.stringify(body) });

  return {
    submitTransaction: (input, waitMs) =>
      post<SubmitResult>(`/api/transaction${queryString({ wait_ms: waitMs })}`, input),
    listTransactions: (query) =>
      request<TransactionPage>(`/api/transactions${queryString({ ...query })}`),
    getTransaction: (id) => request<Decision>(`/api/transactions/${encodeURIComponent(id)}`),
    labelTransaction: (id, label, analyst) =>
      post<Decision>(`/api/transactions/${encodeURIComponent(id)}/label`, analyst ? { label, analyst } : { label }),
    getStats: (since) => request<Stats>(`/api/stats${queryString({ since })}`),
    listModels: async () => (await request<ModelList>("/api/models")).models ?? [],
    activateModel: async (version) =>
      (await post<ModelActivated>(`/api/models/${encodeURIComponent(version)}:activate`, {})).model,
    stopShadow: async (version) =>
      (await post<ShadowStopped>(`/api/models/${encodeURIComponent(version)}:stop-shadow`, {})).model,
    getModelDrift: () => request<ModelDrift>("/api/models:drift"),
    compareShadow: (days) => request<ModelComparison>(`/api/models:compare${queryString({ days })}`),
    modelReportUrl: (version, file) =>
      `${baseUrl}/api/models/${encodeURIComponent(version)}/report/${encodeURIComponent(file)}`,
    getTraffic: () => request<TrafficStatus>("/api/traffic"),
    startTraffic: (rate, users) => post<unknown>("/api/traffic", users ? { rate, users } : { rate }),
    stopTraffic: () => request<unknown>("/api/traffic", { method: "DELETE" }),
    getConfig: () => request<ConsoleConfig>("/api/config"),
    suggestCities: async (prefix) =>
      (await request<CitySuggestions>(`/api/geo/cities${queryString({ prefix })}`)).cities ?? [],
    listDeadLetters: (query) => request<DeadLetterPage>(`/api/dead-letters${queryString({ ...query })}`),
    getDeadLetter: (id) => request<DeadLetter>(`/api/dead-letters/${encodeURIComponent(id)}`),
    replayDeadLetter: (id) => post<DeadLetterReplay>(`/api/dead-letters/${encodeURIComponent(id)}:replay`, {}),
    listAudit: (query) => request<AuditPage>(`/api/audit${queryString({ ...query })}`),
    getTrace: (traceId) => request<Trace>(`/api/traces/${encodeURIComponent(traceId)}`),
    listCases: (query) => request<CasePage>(`/api/cases${queryString({ ...query })}`),
    getCase: (id) => request<CaseDetail>(`/api/cases/${encodeURIComponent(id)}`),
    assignCase: async (id, assignee) =>
      (await post<{ case: Case }>(`/api/cases/${encodeURIComponent(id)}:assign`, assignee ? { assignee } : {})).case,
    addCaseNote: async (id, text) =>
      (await post<{ note: CaseNote }>(`/api/cases/${encodeURIComponent(id)}/notes`, { text })).note,
    setCaseStatus: (id, status) => post<CaseClosed>(`/api/cases/${encodeURIComponent(id)}:status`, { status }),
    listRules: (atVersion) => request<Rules>(`/api/rules${queryString({ at_version: atVersion })}`),
    getRule: (id) => request<RuleWithHistory>(`/api/rules/${encodeURIComponent(id)}`),
    createRule: async (rule) => (await post<{ rule: Rule }>("/api/rules", rule)).rule,
    updateRule: async (id, rule) =>
      (await request<{ rule: Rule }>(`/api/rules/${encodeURIComponent(id)}`, { method: "PUT", body: JSON.stringify(rule) }))
        .rule,
    previewRule: (draft) => post<RulePreview>("/api/rules:preview", draft),
    listLists: async () => (await request<RuleLists>("/api/lists")).lists,
    createList: async (list) => (await post<{ list: RuleList }>("/api/lists", list)).list,
    deleteList: async (name) => {
      await request<unknown>(`/api/lists/${encodeURIComponent(name)}`, { method: "DELETE" });
    },
    listEntries: (name, pageToken) =>
      request<ListEntries>(`/api/lists/${encodeURIComponent(name)}/entries${queryString({ page_token: pageToken })}`),
    addEntries: (name, values) => post<ListEntriesChanged>(`/api/lists/${encodeURIComponent(name)}/entries`, { values }),
    removeEntries: (name, values) =>
      post<ListEntriesChanged>(`/api/lists/${encodeURIComponent(name)}/entries:remove`, { values }),
  };
}
