// The funnel of the board's pipeline, from the hub's stage history: how many deals reached
// each working stage, the conversion to the next stage and to won, and the pipeline's won,
// lost and win rate. A figure that would rest on a stage where the viewer may read no deal
// (the intern's won stages) reads "not counted", never 0.
import { h } from "./dom.js";
import { LiveReport, NOT_COUNTED, percent, stagesOf } from "./report.js";

const FUNNEL = `
  subscription Funnel($pipeline: ID!) {
    funnelChanged(pipelineId: $pipeline) {
      deals won lost excluded unreadableStageIds
      stages { stageId reached conversionToNext conversionToWon }
    }
  }`;

export class Funnel extends LiveReport {
  constructor(root, socket) {
    super(root, socket, {
      title: "Funnel",
      query: FUNNEL,
      variables: (pipeline) => ({ pipeline: pipeline.id }),
    });
  }

  render(pipeline, { funnelChanged: funnel }) {
    const stages = stagesOf(pipeline);
    const unreadable = new Set(funnel.unreadableStageIds);
    const unreadableOf = (semantics) =>
      stages.some((stage) => stage.semantics === semantics && unreadable.has(stage.id));
    const seen = { won: !unreadableOf("SUCCESS"), lost: !unreadableOf("FAILURE"), unreadable };
    const most = Math.max(1, ...funnel.stages.map((stage) => stage.reached));
    const names = new Map(stages.map((stage) => [stage.id, stage.name]));
    return [
      summary(funnel, seen),
      h(
        "ol",
        { class: "funnel-list" },
        funnel.stages.map((stage, index) =>
          funnelRow(stage, names.get(stage.stageId) ?? "?", funnel.stages[index + 1], seen, most),
        ),
      ),
      ...notes(funnel, stages, unreadable),
    ];
  }
}

function summary(funnel, seen) {
  const closed = funnel.won + funnel.lost;
  // Like the hub's own winRate: none when a closing stage is unreadable (it would count
  // only the other kind) or when no deal is closed.
  const rate = seen.won && seen.lost && closed ? funnel.won / closed : null;
  const figure = (name, text) => h("span", { class: "funnel-figure", dataset: { figure: name } }, text);
  return h(
    "p",
    { class: "funnel-summary" },
    figure("deals", `${funnel.deals} deals`),
    figure("won", seen.won ? `${funnel.won} won` : `won ${NOT_COUNTED}`),
    figure("lost", seen.lost ? `${funnel.lost} lost` : `lost ${NOT_COUNTED}`),
    figure("win-rate", seen.won && seen.lost ? `win rate ${percent(rate)}` : `win rate ${NOT_COUNTED}`),
  );
}

function funnelRow(stage, name, next, seen, most) {
  const attributes = { class: "funnel-row", dataset: { stageId: stage.stageId } };
  const cell = (kind, text) => h("span", { class: `funnel-${kind}` }, text);
  if (seen.unreadable.has(stage.stageId)) {
    attributes.class += " unreadable";
    return h("li", attributes, cell("stage", name), h("span", {}), cell("reached", NOT_COUNTED), cell("next", ""), cell("won", ""));
  }
  // The last working stage's conversion to next is its conversion to won.
  const nextSeen = next ? !seen.unreadable.has(next.stageId) : seen.won;
  return h(
    "li",
    attributes,
    cell("stage", name),
    h("meter", { min: "0", max: String(most), value: String(stage.reached), "aria-label": `${name}: ${stage.reached} deals reached` }),
    cell("reached", `${stage.reached} reached`),
    cell("next", `to next ${nextSeen ? percent(stage.conversionToNext) : NOT_COUNTED}`),
    cell("won", `to won ${seen.won ? percent(stage.conversionToWon) : NOT_COUNTED}`),
  );
}

function notes(funnel, stages, unreadable) {
  const found = [];
  const names = stages.filter((stage) => unreadable.has(stage.id)).map((stage) => stage.name);
  if (names.length) {
    found.push(`Not counted: ${names.join(", ")} — you may read no deal there.`);
  }
  if (funnel.excluded) found.push(`${funnel.excluded} deals whose stage is hidden from you are not counted.`);
  return found.map((text) => h("p", { class: "hint funnel-note" }, text));
}
