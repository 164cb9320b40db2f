// The hub's GraphQL API: operations over HTTP, subscriptions over one graphql-transport-ws
// socket that reconnects by itself and re-subscribes what was open.

const ENDPOINT = "/graphql";
const PROTOCOL = "graphql-transport-ws";
// Close codes of the hub (README, "Subscriptions end with a websocket close code").
export const TOKEN_REVOKED = 4401;
const CONNECTION_REFUSED = 4403; // connection_init refused: a bad token, or the database down

/** A GraphQL error with its `extensions.code`. */
export class ApiError extends Error {
  constructor(errors) {
    super(errors.map((error) => error.message).join("; "));
    this.codes = errors.map((error) => error.extensions?.code);
  }

  get unauthenticated() {
    return this.codes.includes("UNAUTHENTICATED");
  }
}

export class Api {
  constructor(token = null) {
    this.token = token;
  }

  async request(query, variables = {}) {
    const headers = { "Content-Type": "application/json" };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    const response = await fetch(ENDPOINT, {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    if (body.errors?.length) throw new ApiError(body.errors);
    return body.data;
  }
}

const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 4000;

/**
 * One websocket carrying every subscription of the page. Each subscription gives its query,
 * a function for its variables (asked again at every (re)subscribe, so the feed resumes from
 * its last cursor) and an optional `resumed` hook, run when the socket is back after a loss.
 */
export class LiveSocket {
  constructor(token, { onStatus, onRevoked, checkToken }) {
    this.token = token;
    this.onStatus = onStatus;
    this.onRevoked = onRevoked;
    this.checkToken = checkToken; // resolves false when the token is no longer valid
    this.subscriptions = new Map();
    this.nextId = 1;
    this.retryMs = RETRY_FIRST_MS;
    this.closed = false;
    this.acknowledged = false;
    this.connect();
  }

  subscribe(subscription) {
    const id = String(this.nextId++);
    this.subscriptions.set(id, subscription);
    if (this.acknowledged) this.start(id, subscription);
    return () => {
      this.subscriptions.delete(id);
      if (this.acknowledged) this.send({ id, type: "complete" });
    };
  }

  close() {
    this.closed = true;
    this.socket?.close(1000, "logged out");
  }

  connect() {
    const url = new URL(ENDPOINT, window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    this.acknowledged = false;
    this.onStatus("connecting");
    const socket = new WebSocket(url, PROTOCOL);
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.send({ type: "connection_init", payload: { authorization: `Bearer ${this.token}` } });
    });
    socket.addEventListener("message", (event) => this.received(JSON.parse(event.data)));
    socket.addEventListener("close", (event) => this.lost(event.code));
  }

  send(message) {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  start(id, subscription) {
    const variables = subscription.variables?.() ?? {};
    this.send({ id, type: "subscribe", payload: { query: subscription.query, variables } });
    subscription.started = true;
  }

  received(message) {
    switch (message.type) {
      case "connection_ack":
        this.acknowledged = true;
        this.retryMs = RETRY_FIRST_MS;
        this.onStatus("live");
        for (const [id, subscription] of this.subscriptions) {
          const again = subscription.started;
          this.start(id, subscription);
          if (again) subscription.resumed?.();
        }
        break;
      case "ping":
        this.send({ type: "pong" });
        break;
      case "next":
        this.deliver(message.id, message.payload);
        break;
      case "error":
        this.subscriptions.get(message.id)?.error?.(new ApiError(message.payload));
        break;
      default:
        break; // "pong", "complete": nothing to do
    }
  }

  deliver(id, payload) {
    const subscription = this.subscriptions.get(id);
    if (!subscription) return;
    if (payload.errors?.length) subscription.error?.(new ApiError(payload.errors));
    else subscription.next(payload.data);
  }

  async lost(code) {
    this.acknowledged = false;
    if (this.closed) return;
    if (code === TOKEN_REVOKED) {
      this.onRevoked();
      return;
    }
    this.onStatus("offline");
    // A refused connection_init is a revoked token or a hub that cannot reach its database:
    // only the first sends the user back to the login screen.
    if (code === CONNECTION_REFUSED && (await this.checkToken()) === false) {
      this.onRevoked();
      return;
    }
    const wait = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    setTimeout(() => {
      if (!this.closed) this.connect();
    }, wait);
  }
}
