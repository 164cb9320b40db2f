// Apollo Client with its persisted-queries link (automatic persisted queries, hashed GETs)
// against crmhub: logs in, then asks for the viewer twice, each time from a fresh client
// (an empty link cache). Prints one JSON line: the viewer's e-mail and every request the
// link sent ({method, hash, query}: whether it carried the hash and the document), with
// the codes of the errors each answer carried.
// usage: node apq_client.mjs HTTP_URL EMAIL PASSWORD
import { createHash } from "node:crypto";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { createPersistedQueryLink } from "@apollo/client/link/persisted-queries";

const [url, email, password] = process.argv.slice(2);
const requests = [];

async function recordingFetch(input, init) {
  const target = new URL(typeof input === "string" ? input : input.url);
  const body = init?.body ? JSON.parse(init.body) : null;
  const extensions = body?.extensions ?? JSON.parse(target.searchParams.get("extensions") ?? "null");
  const query = body ? body.query : target.searchParams.get("query");
  const response = await fetch(input, init);
  const answer = await response.clone().json();
  requests.push({
    method: init?.method ?? "GET",
    hash: Boolean(extensions?.persistedQuery?.sha256Hash),
    query: Boolean(query),
    codes: (answer.errors ?? []).map((error) => error.extensions?.code),
  });
  return response;
}

function client(token) {
  const sha256 = (text) => createHash("sha256").update(text).digest("hex");
  const http = new HttpLink({
    uri: url,
    fetch: recordingFetch,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return new ApolloClient({
    link: createPersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(http),
    cache: new InMemoryCache(),
  });
}

const login = await client(null).mutate({
  mutation: gql`mutation Login($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`,
  variables: { e: email, p: password },
});
const token = login.data.login.token;
const VIEWER = gql`query Viewer { viewer { email } }`;
const first = await client(token).query({ query: VIEWER, fetchPolicy: "network-only" });
const second = await client(token).query({ query: VIEWER, fetchPolicy: "network-only" });
console.log(JSON.stringify({ first: first.data.viewer.email, second: second.data.viewer.email, requests }));
