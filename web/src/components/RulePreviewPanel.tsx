import type { PreviewedTransaction, RulePreview } from "../api/types";
import { formatDateTime, formatMoney, formatScore } from "../format";
import { previewSummary } from "../rules";
import { transactionHref } from "../routing";

function Sample({ title, rows, total, testId }: { title: string; rows: PreviewedTransaction[]; total: number; testId: string }) {
  if (total === 0) return null;
  return (
    <>
      <h4>
        {title} ({rows.length < total ? `${rows.length} of ${total} shown` : total})
      </h4>
      <table aria-label={title} data-testid={testId}>
        <thead>
          <tr>
            <th scope="col">Transaction</th>
            <th scope="col">When</th>
            <th scope="col">Customer</th>
            <th scope="col">Amount</th>
            <th scope="col">Score</th>
            <th scope="col">Label</th>
            <th scope="col">Decision now → with the draft</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} data-testid="preview-row" data-transaction-id={row.id}>
              <td>
                <a href={transactionHref(row.id)}>{row.id}</a>
              </td>
              <td>{formatDateTime(row.occurred_at)}</td>
              <td>{row.user_id}</td>
              <td>{formatMoney(row.amount, row.currency)}</td>
              <td>{formatScore(row.score)}</td>
              <td>{row.label ?? "none"}</td>
              <td>
                {row.decision_without} → {row.decision_with}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** What a draft rule would have done to the stored decisions of the last days. */
export function RulePreviewPanel({ preview }: { preview: RulePreview }) {
  return (
    <article className="rule-preview" aria-label="Preview" data-testid="rule-preview">
      <h3>Preview against stored decisions</h3>
      <p data-testid="preview-summary">{previewSummary(preview)}</p>
      <dl className="preview-counts">
        <dt>Reviews</dt>
        <dd data-testid="preview-reviews">
          {preview.reviews_without} → {preview.reviews_with}
        </dd>
        <dt>Declines</dt>
        <dd data-testid="preview-declines">
          {preview.declines_without} → {preview.declines_with}
        </dd>
        <dt>Scanned</dt>
        <dd data-testid="preview-scanned">
          {preview.scanned} since {formatDateTime(preview.since)}
          {preview.truncated ? " (the newest only: the window held more)" : ""}
        </dd>
      </dl>
      <Sample title="Known frauds it catches" rows={preview.frauds} total={preview.frauds_matched} testId="preview-frauds" />
      <Sample
        title="Legitimate or unlabelled transactions it hits"
        rows={preview.legitimate}
        total={preview.legitimate_matched}
        testId="preview-legitimate"
      />
    </article>
  );
}
