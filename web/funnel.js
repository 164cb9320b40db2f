// Totals per stage of the pipeline on the board: deals, and the amounts the viewer may see
// per currency (never adding roubles to dollars), with how many amounts were left out
// because they are hidden. Figures come as rows, so a source other than the board (a
// reports query and its subscription) can feed the same panel.
import { h } from "./dom.js";

/** Rows for `Funnel.show` from the deals on a board. */
export function totalsOf(stages, deals) {
  const rows = stages.map((stage) => ({ stage, count: 0, sums: new Map(), excluded: 0 }));
  const byStage = new Map(rows.map((row) => [row.stage.id, row]));
  for (const deal of deals) {
    const row = byStage.get(deal.stage?.id);
    if (!row) continue;
    row.count += 1;
    if (deal.access.hiddenFields.includes("amount")) row.excluded += 1;
    else if (deal.amount !== null && deal.currency) {
      row.sums.set(deal.currency, (row.sums.get(deal.currency) ?? 0) + Number(deal.amount));
    }
  }
  return rows;
}

export class Funnel {
  constructor(root) {
    this.root = root;
    this.list = h("ol", { class: "funnel" });
    root.replaceChildren(h("div", { class: "panel-head" }, h("h2", {}, "Totals by stage")), this.list);
  }

  show(rows) {
    const most = Math.max(1, ...rows.map((row) => row.count));
    this.list.replaceChildren(
      ...rows.map((row) =>
        h(
          "li",
          { class: `funnel-row ${row.stage.semantics.toLowerCase()}`, dataset: { stageId: row.stage.id } },
          h("span", { class: "funnel-stage" }, row.stage.name),
          h("meter", { min: "0", max: String(most), value: String(row.count), "aria-label": `${row.stage.name}: ${row.count} deals` }),
          h("span", { class: "funnel-count" }, `${row.count} deals`),
          h("span", { class: "funnel-sums" }, describeSums(row)),
        ),
      ),
    );
  }
}

const COMPACT = new Map();

function describeSums(row) {
  const parts = [...row.sums].map(([currency, sum]) => money(sum, currency));
  if (row.excluded) parts.push(`${row.excluded} amounts hidden`);
  return parts.join(" · ") || "—";
}

function money(sum, currency) {
  try {
    if (!COMPACT.has(currency)) {
      COMPACT.set(currency, new Intl.NumberFormat(undefined, { style: "currency", currency, notation: "compact" }));
    }
    return COMPACT.get(currency).format(sum);
  } catch {
    return `${sum} ${currency}`; // not an ISO 4217 code
  }
}
