// Apollo Client (HTTP link, and graphql-ws for subscriptions) through a user's first steps
// against a running crmhub: log in, query, subscribe to the feed, post (a mutation) and
// receive the post's event live. Prints one JSON line with what it saw; exits 0 when every
// step succeeded, 2 on an error, 3 on a timeout.
// usage: node apollo_flow.mjs HTTP_URL WS_URL EMAIL PASSWORD
import { ApolloClient, HttpLink, InMemoryCache, gql, split } from "@apollo/client";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { getMainDefinition } from "@apollo/client/utilities";
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const [httpUrl, wsUrl, email, password] = process.argv.slice(2);
const timer = setTimeout(() => fail(3, "timed out"), 20000);

function fail(code, message) {
  console.error(message);
  process.exit(code);
}

const LOGIN = gql`
  mutation Login($email: String!, $password: String!) {
    login(email: $email, password: $password) { token }
  }
`;
const VIEWER = gql`query Viewer { viewer { id email } }`;
const FEED = gql`subscription Feed { feed { cursor kind } }`;
const POST = gql`
  mutation Post($body: String!) {
    createPost(input: { body: $body, recipients: [{ kind: ALL }] }) { id body }
  }
`;

function client(token) {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  const http = new HttpLink({ uri: httpUrl, headers });
  let connected;
  const sockets = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: headers,
    retryAttempts: 0,
    on: { connected: () => connected?.() },
  });
  const link = split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === "OperationDefinition" && definition.operation === "subscription";
    },
    new GraphQLWsLink(sockets),
    http,
  );
  const apollo = new ApolloClient({ link, cache: new InMemoryCache() });
  const isConnected = new Promise((resolve) => (connected = resolve));
  return { apollo, sockets, isConnected };
}

try {
  const anonymous = client(null);
  const login = await anonymous.apollo.mutate({ mutation: LOGIN, variables: { email, password } });
  const token = login.data.login.token;
  anonymous.sockets.dispose();

  const { apollo, sockets, isConnected } = client(token);
  const viewer = await apollo.query({ query: VIEWER, fetchPolicy: "no-cache" });

  const event = new Promise((resolve, reject) => {
    apollo.subscribe({ query: FEED }).subscribe({
      next: (result) => (result.error ? reject(result.error) : resolve(result.data.feed)),
      error: reject,
    });
  });
  await isConnected;
  // The subscription is registered once the server has read its subscribe message: post
  // until its event arrives (a post made before that is not live for it).
  let posted;
  let live;
  for (let attempt = 0; attempt < 20 && live === undefined; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    posted = await apollo.mutate({ mutation: POST, variables: { body: `from Apollo ${attempt}` } });
    live = await Promise.race([event, new Promise((resolve) => setTimeout(resolve, 500))]);
  }
  if (live === undefined) fail(3, "no live event");
  clearTimeout(timer);
  console.log(JSON.stringify({ viewer: viewer.data.viewer, post: posted.data.createPost, event: live }));
  sockets.dispose();
  process.exit(0);
} catch (error) {
  fail(2, String(error?.stack ?? error));
}
