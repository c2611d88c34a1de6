import { vi } from "vitest";
import type { Api } from "../api/client";

/** An Api whose every call fails loudly unless the test says what it returns. */
export function fakeApi(overrides: Partial<Api> = {}): Api {
  const unexpected = (name: string) => vi.fn(() => Promise.reject(new Error(`unexpected call: ${name}`)));
  return {
    submitTransaction: unexpected("submitTransaction"),
    listTransactions: unexpected("listTransactions"),
    getTransaction: unexpected("getTransaction"),
    labelTransaction: unexpected("labelTransaction"),
    getStats: unexpected("getStats"),
    listModels: unexpected("listModels"),
    activateModel: unexpected("activateModel"),
    stopShadow: unexpected("stopShadow"),
    getModelDrift: unexpected("getModelDrift"),
    compareShadow: unexpected("compareShadow"),
    modelReportUrl: (version, file) => `/api/models/${version}/report/${file}`,
    getTraffic: unexpected("getTraffic"),
    startTraffic: unexpected("startTraffic"),
    stopTraffic: unexpected("stopTraffic"),
    getConfig: vi.fn(() => Promise.resolve({ jaeger_url: "", zipkin_url: "", oidc_issuer: "", oidc_client_id: "" })),
    suggestCities: vi.fn(() => Promise.resolve([])),
    listDeadLetters: unexpected("listDeadLetters"),
    getDeadLetter: unexpected("getDeadLetter"),
    replayDeadLetter: unexpected("replayDeadLetter"),
    listAudit: unexpected("listAudit"),
    getTrace: unexpected("getTrace"),
    listCases: unexpected("listCases"),
    getCase: unexpected("getCase"),
    assignCase: unexpected("assignCase"),
    addCaseNote: unexpected("addCaseNote"),
    setCaseStatus: unexpected("setCaseStatus"),
    listRules: unexpected("listRules"),
    getRule: unexpected("getRule"),
    createRule: unexpected("createRule"),
    updateRule: unexpected("updateRule"),
    previewRule: unexpected("previewRule"),
    listLists: unexpected("listLists"),
    createList: unexpected("createList"),
    deleteList: unexpected("deleteList"),
    listEntries: unexpected("listEntries"),
    addEntries: unexpected("addEntries"),
    removeEntries: unexpected("removeEntries"),
    ...overrides,
  };
}
