// Totals per stage of the board's pipeline, from the hub's deal report: deals, and the
// amounts the viewer may see per currency (never adding roubles to dollars), with how many
// amounts were left out because they are hidden. The hub counts every readable deal of the
// pipeline, not only those the board holds, and sends the figures again as deals change.
import { h } from "./dom.js";
import { LiveReport, NOT_COUNTED, money, stagesOf } from "./report.js";

const TOTALS = `
  subscription StageTotals($pipeline: ID!) {
    dealReportChanged(filter: {pipelineId: {eq: $pipeline}}, groupBy: [STAGE]) {
      unreadableStageIds
      groups { key { stageId hidden } count amounts { currency count sum } amountsExcluded }
    }
  }`;

export class Totals extends LiveReport {
  constructor(root, socket) {
    super(root, socket, {
      title: "Totals by stage",
      query: TOTALS,
      variables: (pipeline) => ({ pipeline: pipeline.id }),
    });
  }

  render(pipeline, { dealReportChanged: report }) {
    const unreadable = new Set(report.unreadableStageIds);
    const byStage = new Map();
    let stageHidden = null; // deals whose stage the viewer may not read: one group of their own
    for (const group of report.groups) {
      if (group.key.hidden.includes("STAGE")) stageHidden = group;
      else byStage.set(group.key.stageId, group);
    }
    const rows = stagesOf(pipeline).map((stage) => ({
      stage,
      unreadable: unreadable.has(stage.id),
      group: byStage.get(stage.id) ?? { count: 0, amounts: [], amountsExcluded: 0 },
    }));
    if (stageHidden) {
      rows.push({ stage: { id: "", name: "Stage hidden", semantics: "HIDDEN" }, group: stageHidden });
    }
    const most = Math.max(1, ...rows.map((row) => (row.unreadable ? 0 : row.group.count)));
    return [h("ol", { class: "totals-list" }, rows.map((row) => totalsRow(row, most)))];
  }
}

function totalsRow({ stage, unreadable, group }, most) {
  const attributes = { class: `totals-row ${stage.semantics.toLowerCase()}`, dataset: { stageId: stage.id } };
  const name = h("span", { class: "totals-stage" }, stage.name);
  if (unreadable) {
    attributes.class += " unreadable";
    return h(
      "li",
      attributes,
      name,
      h("span", {}),
      h("span", { class: "totals-count" }, NOT_COUNTED),
      h("span", { class: "totals-sums" }, "you may read no deal in this stage"),
    );
  }
  return h(
    "li",
    attributes,
    name,
    h("meter", { min: "0", max: String(most), value: String(group.count), "aria-label": `${stage.name}: ${group.count} deals` }),
    h("span", { class: "totals-count" }, `${group.count} deals`),
    h("span", { class: "totals-sums" }, describeSums(group)),
  );
}

function describeSums(group) {
  const parts = group.amounts.map((figures) => money(figures.sum, figures.currency));
  if (group.amountsExcluded) parts.push(`${group.amountsExcluded} amounts hidden`);
  return parts.join(" · ") || "—";
}
