import type { Api } from "./client";
import type { Decision } from "./types";

const PAGE_SIZE = 500;
const MAX_PAGES = 4;

/** Decisions of transactions that occurred at or after `since`, oldest first, at most 2,000. */
export async function readDecisionsSince(api: Api, since: string): Promise<Decision[]> {
  const decisions: Decision[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const answer = await api.listTransactions({ since, order: "oldest", page_size: PAGE_SIZE, page_token: token });
    decisions.push(...answer.transactions);
    if (!answer.next_page_token) break;
    token = answer.next_page_token;
  }
  return decisions;
}
