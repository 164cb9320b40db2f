// A panel fed by a report subscription of the board's pipeline. It subscribes again when the
// board switches pipelines. After a reconnect the socket re-sends the subscription and the
// hub answers with the current figures at once, so nothing needs re-reading by hand (unlike
// the board, whose `dealChanged` only tells what changes).
import { h } from "./dom.js";

export class LiveReport {
  /** `query` is a subscription; `variables(pipeline)` its variables for one pipeline. */
  constructor(root, socket, { title, query, variables }) {
    this.root = root;
    this.socket = socket;
    this.query = query;
    this.variables = variables;
    this.body = h("div", { class: "report-body" });
    root.replaceChildren(h("div", { class: "panel-head" }, h("h2", {}, title)), this.body);
  }

  show(pipeline) {
    this.stop();
    this.root.dataset.ready = "false";
    this.body.replaceChildren(h("p", { class: "hint" }, "Counting…"));
    // Each subscription renders only for the pipeline it was made for: a late message of a
    // pipeline just left cannot overwrite the new one.
    const current = {};
    this.current = current;
    this.unsubscribe = this.socket.subscribe({
      query: this.query,
      variables: () => this.variables(pipeline),
      next: (data) => {
        if (this.current !== current) return;
        this.body.replaceChildren(...this.render(pipeline, data));
        this.root.dataset.ready = "true";
      },
      error: (error) => {
        if (this.current !== current) return;
        this.body.replaceChildren(h("p", { class: "error" }, `Could not count: ${error.message}`));
      },
    });
  }

  stop() {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.current = null;
  }

  /** The panel's nodes for one message of the subscription. */
  render(_pipeline, _data) {
    return [];
  }
}

/** The pipeline's stages in their order. */
export function stagesOf(pipeline) {
  return [...pipeline.stages].sort((a, b) => a.sort - b.sort);
}

const COMPACT = new Map();

/** A sum in one currency, shortened ("1.8M €"). Sums arrive as decimal strings. */
export function money(sum, currency) {
  try {
    if (!COMPACT.has(currency)) {
      COMPACT.set(currency, new Intl.NumberFormat(undefined, { style: "currency", currency, notation: "compact" }));
    }
    return COMPACT.get(currency).format(Number(sum));
  } catch {
    return `${sum} ${currency}`; // not an ISO 4217 code
  }
}

const PERCENT = new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 0 });

/** A ratio as a percentage; "—" when there is none (nothing to divide by). */
export function percent(ratio) {
  return ratio === null || ratio === undefined ? "—" : PERCENT.format(ratio);
}

export const NOT_COUNTED = "not counted";
