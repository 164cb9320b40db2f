// GraphiQL as Strawberry renders it, with its assets served by the hub (web/vendor/) and a
// crmhub example as the default query. Loaded as a file, not inline, so the page's
// Content-Security-Policy can refuse every inline script.
/* global React, ReactDOM, GraphiQL, GraphiQLPluginExplorer */
import { savedToken } from "./session.js";

const EXAMPLE_QUERY = `# crmhub's GraphQL API. Every demo user's password is "demo" (README, "Demo logins").
#
# 1. Run "Login" (the play button, or Ctrl-Enter with the cursor inside it).
# 2. Put its token in the Headers pane below: {"Authorization": "Bearer <token>"}
#    (opened from the dashboard, the pane already holds the dashboard's token).
# 3. Run "Pipeline": deals as the head of sales sees them. Log in as
#    nikita.novikov@example.com (an intern) to see amounts come back null.
#
# Live: subscription { dealChanged { kind dealId changedFields deal { title stage { name } } } }

mutation Login {
  login(email: "irina.volkova@example.com", password: "demo") {
    token
    user { name position department { name } }
  }
}

query Pipeline {
  viewer { name roles { name } }
  deals(first: 5, orderBy: [{field: AMOUNT, direction: DESC}]) {
    totalCount
    edges {
      node {
        title amount currency stage { name } company { title } assignedTo { name }
        access { canUpdate hiddenFields } allowedStages { name }
      }
    }
  }
}
`;

const parameters = Object.fromEntries(new URLSearchParams(window.location.search));

function updateURL(changes) {
  Object.assign(parameters, changes);
  const kept = Object.entries(parameters).filter(([, value]) => Boolean(value));
  history.replaceState(null, "", `?${new URLSearchParams(kept)}`);
}

const fetchURL = window.location.href.split("?")[0];
const subscriptionURL = new URL(fetchURL);
subscriptionURL.protocol = subscriptionURL.protocol === "https:" ? "wss:" : "ws:";
subscriptionURL.hash = "";

const fetcher = GraphiQL.createFetcher({ url: fetchURL, subscriptionUrl: subscriptionURL.toString() });
const token = savedToken();
const dashboardHeaders = token ? JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2) : undefined;

function CrmGraphiQL() {
  const [query, setQuery] = React.useState(parameters.q || EXAMPLE_QUERY);
  const [variables, setVariables] = React.useState(parameters.variables);
  const [headers, setHeaders] = React.useState(parameters.headers || dashboardHeaders);
  return React.createElement(GraphiQL, {
    fetcher,
    defaultEditorToolsVisibility: true,
    plugins: [GraphiQLPluginExplorer.explorerPlugin()],
    query,
    variables,
    headers,
    onEditQuery(next) {
      setQuery(next);
      updateURL({ q: next });
    },
    onEditVariables(next) {
      setVariables(next);
      updateURL({ variables: next });
    },
    onEditHeaders: setHeaders,
    inputValueDeprecation: true,
    isHeadersEditorEnabled: true,
    // A token stays where the dashboard keeps it (sessionStorage), never in localStorage.
    shouldPersistHeaders: false,
  });
}

ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(CrmGraphiQL));
