// The deal kanban of one pipeline: a column per stage, a card per deal the viewer may see.
// Cards move by drag and drop or, from the keyboard, by the stage select on each card; both
// offer only the deal's `allowedStages`. Other people's changes arrive by `dealChanged`.
import { announce, h } from "./dom.js";

const CARD = `
  fragment Card on Deal {
    id title amount currency
    stage { id }
    company { title }
    assignedTo { name }
    access { hiddenFields }
    allowedStages { id name }
  }`;

const PIPELINES = `
  query Pipelines { pipelines { id name isDefault stages { id name sort semantics } } }`;

const DEALS = `
  query BoardDeals($pipeline: ID!, $after: String) {
    deals(first: 100, after: $after, filter: {pipelineId: {eq: $pipeline}}) {
      pageInfo { hasNextPage endCursor }
      edges { node { ...Card } }
    }
  }
  ${CARD}`;

const CHANGES = `
  subscription BoardChanges($pipeline: ID) {
    dealChanged(pipelineId: $pipeline) { kind dealId deal { ...Card } }
  }
  ${CARD}`;

const MOVE = `
  mutation MoveDeal($id: ID!, $stage: ID!) { moveDeal(id: $id, stageId: $stage) { ...Card } }
  ${CARD}`;

// A board reads at most this many deals of a pipeline (pages of 100).
const MAX_DEALS = 1000;

export class Board {
  /** `shown(pipeline)` is told which pipeline the board shows (the reports follow it). */
  constructor(root, api, socket, shown = () => {}) {
    this.root = root;
    this.onPipelineShown = shown;
    this.api = api;
    this.socket = socket;
    this.deals = new Map();
    this.pending = null; // events that arrived while the board was (re)loading
    this.generation = 0;
    this.dragged = null;
  }

  async start() {
    const { pipelines } = await this.api.request(PIPELINES);
    this.pipelines = pipelines;
    const chosen = pipelines.find((pipeline) => pipeline.isDefault) ?? pipelines[0];
    this.renderFrame();
    if (chosen) await this.show(chosen.id);
  }

  stop() {
    this.unsubscribe?.();
  }

  async show(pipelineId) {
    this.unsubscribe?.();
    this.pipeline = this.pipelines.find((pipeline) => pipeline.id === pipelineId);
    this.picker.value = pipelineId;
    this.renderColumns();
    this.onPipelineShown(this.pipeline);
    // Subscribed before the first read, so no change falls between the two; changes that
    // arrive during a read are applied after it (see `reload`).
    this.unsubscribe = this.socket.subscribe({
      query: CHANGES,
      variables: () => ({ pipeline: this.pipeline.id }),
      next: (data) => this.changed(data.dealChanged),
      resumed: () => this.reload(), // what changed while the socket was down
    });
    await this.reload();
  }

  async reload() {
    const generation = ++this.generation;
    this.pending ??= [];
    const deals = new Map();
    let after = null;
    do {
      const { deals: page } = await this.api.request(DEALS, { pipeline: this.pipeline.id, after });
      for (const { node } of page.edges) deals.set(node.id, node);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after && deals.size < MAX_DEALS);
    if (generation !== this.generation) return; // a later read replaces this one
    const missed = this.pending;
    this.pending = null;
    this.deals = deals;
    this.renderCards();
    for (const event of missed) this.changed(event);
    this.root.dataset.ready = "true";
  }

  changed(event) {
    if (this.pending) {
      this.pending.push(event);
      return;
    }
    if (event.deal && event.kind !== "DELETED" && event.kind !== "HIDDEN") this.put(event.deal);
    else this.remove(event.dealId);
  }

  async move(deal, stageId) {
    if (deal.stage?.id === stageId) return;
    try {
      const { moveDeal } = await this.api.request(MOVE, { id: deal.id, stage: stageId });
      this.put(moveDeal);
      announce(`${moveDeal.title}: moved to ${this.stageName(stageId)}`);
    } catch (error) {
      announce(`Could not move ${deal.title}: ${error.message}`);
      this.put(deal); // back where it was
    }
  }

  // Rendering.

  renderFrame() {
    this.picker = h(
      "select",
      { id: "pipeline", onchange: (event) => this.show(event.target.value) },
      this.pipelines.map((pipeline) => h("option", { value: pipeline.id }, pipeline.name)),
    );
    this.columns = h("div", { class: "columns" });
    this.root.replaceChildren(
      h("div", { class: "panel-head" }, h("h2", {}, "Deals"), h("label", { class: "inline" }, "Pipeline ", this.picker)),
      this.columns,
    );
  }

  renderColumns() {
    this.lists = new Map();
    this.columns.replaceChildren(
      ...this.stages().map((stage) => {
        const list = h("ol", { class: "cards", "aria-label": stage.name });
        this.lists.set(stage.id, list);
        const column = h(
          "section",
          { class: `column ${stage.semantics.toLowerCase()}`, dataset: { stageId: stage.id } },
          h("h3", {}, stage.name, " ", h("span", { class: "count" }, "0")),
          list,
        );
        this.droppable(column, stage.id);
        return column;
      }),
    );
  }

  renderCards() {
    for (const list of this.lists.values()) list.replaceChildren();
    for (const deal of this.deals.values()) this.lists.get(deal.stage?.id)?.append(this.card(deal));
    this.count();
  }

  put(deal) {
    this.deals.set(deal.id, deal);
    const focused = Boolean(document.activeElement?.closest(`[data-deal-id="${deal.id}"]`));
    this.root.querySelector(`[data-deal-id="${deal.id}"]`)?.remove();
    const list = this.lists.get(deal.stage?.id);
    if (list) {
      const card = this.card(deal);
      list.prepend(card);
      if (focused) card.querySelector("select").focus();
    }
    this.count();
  }

  remove(dealId) {
    this.deals.delete(dealId);
    this.root.querySelector(`[data-deal-id="${dealId}"]`)?.remove();
    this.count();
  }

  count() {
    for (const list of this.lists.values()) {
      list.closest(".column").querySelector(".count").textContent = String(list.children.length);
    }
  }

  card(deal) {
    const movable = deal.allowedStages.length > 0;
    const card = h(
      "li",
      { class: "card", draggable: movable ? "true" : "false", dataset: { dealId: deal.id } },
      h("strong", { class: "title" }, deal.title ?? "(untitled)"),
      deal.company ? h("span", { class: "company" }, deal.company.title) : null,
      amount(deal),
      deal.assignedTo ? h("span", { class: "assignee" }, deal.assignedTo.name) : null,
      this.stageSelect(deal),
    );
    if (movable) {
      card.addEventListener("dragstart", (event) => {
        this.dragged = deal;
        event.dataTransfer.setData("text/plain", deal.id);
        event.dataTransfer.effectAllowed = "move";
        for (const stage of deal.allowedStages) {
          this.columns.querySelector(`[data-stage-id="${stage.id}"]`)?.classList.add("drop-ok");
        }
      });
      card.addEventListener("dragend", () => this.dragEnded());
    }
    return card;
  }

  /** Every stage of the pipeline, the current one selected, those the viewer may not move
   * the deal to disabled: the keyboard's way to move a card. */
  stageSelect(deal) {
    const allowed = new Set(deal.allowedStages.map((stage) => stage.id));
    const select = h(
      "select",
      {
        class: "stage",
        "aria-label": `Stage of ${deal.title}`,
        disabled: allowed.size === 0,
        title: allowed.size ? null : "You may not move this deal",
        onchange: (event) => this.move(deal, event.target.value),
      },
      this.stages().map((stage) =>
        h(
          "option",
          {
            value: stage.id,
            selected: stage.id === deal.stage?.id,
            disabled: stage.id !== deal.stage?.id && !allowed.has(stage.id),
          },
          stage.name,
        ),
      ),
    );
    return h("label", { class: "stage-label" }, select);
  }

  droppable(column, stageId) {
    const allowed = () => this.dragged?.allowedStages.some((stage) => stage.id === stageId);
    column.addEventListener("dragover", (event) => {
      if (allowed()) event.preventDefault(); // only allowed stages accept the drop
    });
    column.addEventListener("drop", (event) => {
      event.preventDefault();
      const deal = this.dragged;
      this.dragEnded();
      if (deal) this.move(deal, stageId);
    });
  }

  dragEnded() {
    this.dragged = null;
    for (const column of this.columns.querySelectorAll(".drop-ok")) column.classList.remove("drop-ok");
  }

  stages() {
    return [...this.pipeline.stages].sort((a, b) => a.sort - b.sort);
  }

  stageName(stageId) {
    return this.pipeline.stages.find((stage) => stage.id === stageId)?.name ?? "?";
  }
}

const MONEY = new Map();

function amount(deal) {
  if (deal.access.hiddenFields.includes("amount")) {
    return h("span", { class: "amount hidden", title: "You may not see this amount" }, "hidden");
  }
  if (deal.amount === null) return h("span", { class: "amount" }, "—");
  const currency = deal.currency || "USD";
  try {
    if (!MONEY.has(currency)) {
      MONEY.set(currency, new Intl.NumberFormat(undefined, { style: "currency", currency, maximumFractionDigits: 0 }));
    }
    return h("span", { class: "amount" }, MONEY.get(currency).format(Number(deal.amount)));
  } catch {
    return h("span", { class: "amount" }, `${deal.amount} ${currency}`); // not an ISO 4217 code
  }
}
