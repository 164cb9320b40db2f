// The GraphQL-over-HTTP conformance audit of the `graphql-http` package against a running
// crmhub. Prints one line per audit and a closing summary; exits 0 only when every audit
// passes (no error, no warning), 1 otherwise.
// usage: node http_audit.mjs URL
import { auditServer } from "graphql-http";

const [url] = process.argv.slice(2);
const results = await auditServer({ url });
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
for (const result of results) {
  counts[result.status] += 1;
  if (result.status === "ok") {
    console.log(`ok     ${result.name}`);
  } else {
    const body = await result.response.text().catch(() => "");
    console.log(`${result.status.padEnd(6)} ${result.name}: ${result.reason}`);
    console.log(`       ${result.response.status} ${body.slice(0, 300)}`);
  }
}
console.log(
  `summary: ${results.length} audits, ${counts.ok} ok, ${counts.notice} notices, ` +
    `${counts.warn} warnings, ${counts.error} errors`,
);
process.exit(counts.warn + counts.error === 0 ? 0 : 1);
