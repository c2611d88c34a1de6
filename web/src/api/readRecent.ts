import type { Api } from "./client";
import type { Decision } from "./types";

export const RECENT_PAGE_SIZE = 100;

/** The latest stored decisions, newest first: what the feed shows before the stream brings more. */
export async function readRecentDecisions(api: Api, count = RECENT_PAGE_SIZE): Promise<Decision[]> {
  return (await api.listTransactions({ page_size: count })).transactions;
}
