// The live feed: the latest entries from the `feed` query, then the `feed(after:)`
// subscription from the newest cursor seen. After a lost connection it subscribes again
// from the last cursor it received, and the hub replays what was missed: nothing lost,
// nothing twice.
import { announce, h, when } from "./dom.js";

const ENTRY = `
  fragment Entry on FeedEvent {
    id cursor kind occurredAt changes
    actor { name }
    subject {
      __typename
      ... on Post { id title body likeCount likedByViewer commentCount }
      ... on Comment { id body post { id title likeCount likedByViewer commentCount } }
      ... on Task { id title }
      ... on Deal { id name: title }
      ... on Lead { id name: title }
      ... on Contact { id name }
      ... on Company { id name: title }
    }
  }`;

const LATEST = `query LatestFeed { feed(first: 30) { edges { node { ...Entry } } } } ${ENTRY}`;
const LIVE = `subscription LiveFeed($after: String) { feed(after: $after) { ...Entry } } ${ENTRY}`;
const POST = `mutation Post($body: String!) {
  createPost(input: {body: $body, recipients: [{kind: ALL}]}) { id }
}`;
const COMMENT = `mutation Comment($post: ID!, $body: String!) { addComment(postId: $post, body: $body) { id } }`;
const LIKE = `mutation Like($post: ID!) { likePost(postId: $post) { id likeCount likedByViewer commentCount } }`;
const UNLIKE = `mutation Unlike($post: ID!) { unlikePost(postId: $post) { id likeCount likedByViewer commentCount } }`;

const KEPT = 200; // entries kept on the page, newest first

const VERBS = {
  POST_CREATED: "posted",
  POST_UPDATED: "edited a post",
  POST_LIKED: "liked",
  POST_UNLIKED: "no longer likes",
  COMMENT_ADDED: "commented on",
  DEAL_STAGE_MOVED: "moved",
  LEAD_CONVERTED: "converted",
};

export class Feed {
  constructor(root, api, socket) {
    this.root = root;
    this.api = api;
    this.socket = socket;
    this.seen = new Set();
    this.cursor = null;
  }

  async start() {
    this.render();
    const { feed } = await this.api.request(LATEST);
    const entries = feed.edges.map((edge) => edge.node);
    this.cursor = entries[0]?.cursor ?? null; // newest first
    for (const entry of entries.reverse()) this.add(entry);
    this.unsubscribe = this.socket.subscribe({
      query: LIVE,
      variables: () => ({ after: this.cursor }),
      next: (data) => {
        this.cursor = data.feed.cursor;
        this.add(data.feed);
      },
    });
    this.root.dataset.ready = "true";
  }

  stop() {
    this.unsubscribe?.();
  }

  render() {
    const body = h("textarea", { id: "post-body", rows: "2", required: true, placeholder: "Share something with everyone" });
    const composer = h(
      "form",
      {
        class: "composer",
        onsubmit: async (event) => {
          event.preventDefault();
          if (!body.value.trim()) return;
          await this.act(POST, { body: body.value }, "Posted");
          body.value = "";
        },
      },
      h("label", { for: "post-body", class: "visually-hidden" }, "New post"),
      body,
      h("button", { type: "submit" }, "Post"),
    );
    this.list = h("ol", { class: "entries", "aria-live": "polite", "aria-label": "Live feed" });
    this.root.replaceChildren(h("div", { class: "panel-head" }, h("h2", {}, "Live feed")), composer, this.list);
  }

  add(entry) {
    if (this.seen.has(entry.id)) return;
    this.seen.add(entry.id);
    this.refreshPost(postOf(entry.subject));
    this.list.prepend(this.entry(entry));
    while (this.list.children.length > KEPT) this.list.lastElementChild.remove();
  }

  entry(entry) {
    const subject = entry.subject;
    const item = h(
      "li",
      { class: `entry ${entry.kind.toLowerCase()}`, dataset: { kind: entry.kind } },
      h("p", { class: "line" }, h("strong", {}, entry.actor?.name ?? "Someone"), " ", describe(entry)),
      when(entry.occurredAt),
    );
    if (subject?.__typename === "Post" && entry.kind === "POST_CREATED") {
      item.dataset.postId = subject.id;
      if (subject.title) item.append(h("p", { class: "post-title" }, subject.title));
      item.append(h("p", { class: "body" }, subject.body), this.postActions(subject));
    } else if (subject?.__typename === "Comment") {
      item.append(h("p", { class: "body" }, subject.body));
    }
    return item;
  }

  postActions(post) {
    const like = h("button", { type: "button", class: "like", "aria-pressed": String(post.likedByViewer) });
    like.addEventListener("click", () =>
      this.act(like.getAttribute("aria-pressed") === "true" ? UNLIKE : LIKE, { post: post.id }),
    );
    const comment = h("input", { type: "text", "aria-label": "Comment", placeholder: "Comment", required: true });
    const actions = h(
      "div",
      { class: "post-actions" },
      like,
      h("span", { class: "comments" }),
      h(
        "form",
        {
          class: "comment",
          onsubmit: async (event) => {
            event.preventDefault();
            if (!comment.value.trim()) return;
            await this.act(COMMENT, { post: post.id, body: comment.value }, "Comment added");
            comment.value = "";
          },
        },
        comment,
        h("button", { type: "submit" }, "Reply"),
      ),
    );
    showCounts(actions, post);
    return actions;
  }

  async act(mutation, variables, done) {
    try {
      const data = await this.api.request(mutation, variables);
      this.refreshPost(data.likePost ?? data.unlikePost);
      if (done) announce(done);
    } catch (error) {
      announce(`Failed: ${error.message}`);
    }
  }

  /** Likes and comment counts shown on every entry of the post. */
  refreshPost(post) {
    if (!post) return;
    for (const actions of this.list.querySelectorAll(`[data-post-id="${post.id}"] .post-actions`)) {
      showCounts(actions, post);
    }
  }
}

function postOf(subject) {
  if (subject?.__typename === "Post") return subject;
  return subject?.post ?? null;
}

function showCounts(actions, post) {
  const like = actions.querySelector(".like");
  like.setAttribute("aria-pressed", String(post.likedByViewer));
  like.textContent = `${post.likedByViewer ? "Liked" : "Like"} · ${post.likeCount}`;
  like.setAttribute("aria-label", `${post.likedByViewer ? "Unlike" : "Like"} (${post.likeCount} likes)`);
  actions.querySelector(".comments").textContent = `${post.commentCount} comments`;
}

function describe(entry) {
  const subject = entry.subject;
  const verb = VERBS[entry.kind] ?? entry.kind.toLowerCase().replaceAll("_", " ");
  const name = subject?.title || subject?.name || subject?.post?.title || "";
  if (entry.kind === "DEAL_STAGE_MOVED" && Array.isArray(entry.changes?.stage)) {
    return `${verb} ${name} to ${entry.changes.stage[1]}`;
  }
  if (entry.kind === "POST_CREATED") return verb;
  return name ? `${verb}: ${name}` : verb;
}
