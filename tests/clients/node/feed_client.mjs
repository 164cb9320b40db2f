// The reference graphql-transport-ws client (the `graphql-ws` package) subscribing to
// crmhub's feed. Prints one JSON line per event; exits 0 after COUNT events, 2 on error.
// usage: node feed_client.mjs WS_URL TOKEN COUNT [AFTER_CURSOR]
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const [url, token, count, after] = process.argv.slice(2);
const wanted = Number(count);
const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: { authorization: `Bearer ${token}` },
  retryAttempts: 0,
});

let received = 0;
const timer = setTimeout(() => {
  console.error(`timed out after ${received} of ${wanted} events`);
  process.exit(3);
}, 15000);

client.subscribe(
  {
    query: "subscription($after: String) { feed(after: $after) { cursor kind } }",
    variables: { after: after ?? null },
  },
  {
    next: (result) => {
      if (result.errors) {
        console.error(JSON.stringify(result.errors));
        process.exit(2);
      }
      console.log(JSON.stringify(result.data.feed));
      received += 1;
      if (received === wanted) {
        clearTimeout(timer);
        client.dispose();
        process.exit(0);
      }
    },
    error: (error) => {
      console.error(String(error?.reason ?? error?.message ?? error));
      process.exit(2);
    },
    complete: () => {},
  },
);
console.error("subscribed");
