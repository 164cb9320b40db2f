// The viewer's notifications: a bell with the unread count, a list to read and mark as read,
// and new ones pushed by the `notifications` subscription.
import { announce, h, when } from "./dom.js";

const NOTE = "id kind text read createdAt";
const LATEST = `query Notifications {
  latest: notifications(first: 30) { edges { node { ${NOTE} } } }
  unread: notifications(first: 1, unreadOnly: true) { totalCount }
}`;
const LIVE = `subscription NewNotifications { notifications { ${NOTE} } }`;
const MARK = `mutation MarkRead($ids: [ID!], $all: Boolean!) { markNotificationsRead(ids: $ids, all: $all) }`;

export class Notifications {
  constructor(button, panel, api, socket) {
    this.button = button;
    this.panel = panel;
    this.api = api;
    this.socket = socket;
    this.unread = 0;
    button.addEventListener("click", () => this.toggle());
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.toggle(false);
    });
  }

  async start() {
    this.render();
    await this.reload();
    this.unsubscribe = this.socket.subscribe({
      query: LIVE,
      next: (data) => {
        this.list.prepend(this.item(data.notifications));
        this.setUnread(this.unread + 1);
        announce(`Notification: ${data.notifications.text}`);
      },
      resumed: () => this.reload(), // what arrived while the socket was down
    });
  }

  stop() {
    this.unsubscribe?.();
    this.toggle(false);
  }

  async reload() {
    const { latest, unread } = await this.api.request(LATEST);
    this.list.replaceChildren(...latest.edges.map((edge) => this.item(edge.node)));
    this.setUnread(unread.totalCount);
  }

  render() {
    this.list = h("ol", { class: "notes" });
    this.panel.replaceChildren(
      h(
        "div",
        { class: "panel-head" },
        h("h2", { tabindex: "-1" }, "Notifications"),
        h("button", { type: "button", onclick: () => this.markRead(null) }, "Mark all read"),
      ),
      this.list,
    );
  }

  item(note) {
    const item = h(
      "li",
      { class: note.read ? "note" : "note unread", dataset: { notificationId: note.id } },
      h("p", {}, note.text),
      when(note.createdAt),
    );
    if (!note.read) {
      item.append(h("button", { type: "button", class: "small", onclick: () => this.markRead(note.id) }, "Mark read"));
    }
    return item;
  }

  async markRead(id) {
    try {
      const marked = await this.api.request(MARK, id ? { ids: [id], all: false } : { ids: null, all: true });
      const items = id ? [this.list.querySelector(`[data-notification-id="${id}"]`)] : [...this.list.children];
      for (const item of items) {
        item?.classList.remove("unread");
        item?.querySelector("button")?.remove();
      }
      this.setUnread(id ? Math.max(0, this.unread - marked) : 0);
    } catch (error) {
      announce(`Failed: ${error.message}`);
    }
  }

  setUnread(count) {
    this.unread = count;
    const badge = this.button.querySelector(".badge");
    badge.textContent = String(count);
    badge.hidden = count === 0;
    this.button.setAttribute("aria-label", `Notifications, ${count} unread`);
  }

  toggle(open = this.panel.hidden) {
    this.panel.hidden = !open;
    this.button.setAttribute("aria-expanded", String(open));
    if (open) this.panel.querySelector("h2").focus();
  }
}
