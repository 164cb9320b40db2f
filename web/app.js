// The dashboard: login, then the viewer's header, the deal board with the totals and the
// funnel of its pipeline, the live feed and the notifications, all fed by one websocket.
// A revoked token (close 4401) returns to login.
import { Api, LiveSocket } from "./api.js";
import { Board } from "./board.js";
import { announce, h } from "./dom.js";
import { Feed } from "./feed.js";
import { Funnel } from "./funnel.js";
import { Notifications } from "./notifications.js";
import { forgetToken, saveToken, savedToken } from "./session.js";
import { Totals } from "./totals.js";

const LOGIN = `mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) { token }
}`;
const VIEWER = `query Viewer {
  viewer { name position isAdmin department { name } roles { name } }
}`;

const $ = (id) => document.getElementById(id);
let session = null; // {api, socket, parts} while logged in

async function start(token) {
  const api = new Api(token);
  let viewer;
  try {
    ({ viewer } = await api.request(VIEWER));
  } catch (error) {
    if (error.unauthenticated) return showLogin("Your session has ended: log in again.");
    throw error;
  }
  showViewer(viewer);
  const socket = new LiveSocket(token, {
    onStatus: showStatus,
    onRevoked: () => signOut("Your session has ended: log in again."),
    checkToken: () => api.request("query Alive { viewer { id } }").then(
      () => true,
      (error) => !error.unauthenticated,
    ),
  });
  const reports = [new Totals($("totals"), socket), new Funnel($("funnel"), socket)];
  const parts = [
    new Board($("board"), api, socket, (pipeline) => {
      for (const report of reports) report.show(pipeline);
    }),
    new Feed($("feed"), api, socket),
    new Notifications($("notifications-button"), $("notifications"), api, socket),
  ];
  session = { api, socket, parts: [...parts, ...reports] };
  $("login").hidden = true;
  $("dashboard").hidden = false;
  await Promise.all(parts.map((part) => part.start()));
}

function showViewer(viewer) {
  const roles = viewer.roles.map((role) => role.name);
  if (viewer.isAdmin && !roles.includes("Administrator")) roles.unshift("Administrator");
  $("viewer").replaceChildren(
    h("strong", { id: "viewer-name" }, viewer.name),
    h("span", { id: "viewer-position" }, viewer.position),
    h("span", { id: "viewer-role" }, `role: ${roles.join(", ") || "none"}`),
    h("span", { id: "viewer-department" }, `department: ${viewer.department?.name ?? "none"}`),
  );
}

function showStatus(status) {
  const label = { connecting: "connecting…", live: "live", offline: "reconnecting…" }[status];
  $("status").textContent = label;
  $("status").dataset.status = status;
}

function showLogin(message = "") {
  $("dashboard").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message;
  $("email").focus();
}

function signOut(message) {
  if (session) {
    for (const part of session.parts) part.stop();
    session.socket.close();
    session = null;
  }
  forgetToken();
  showLogin(message);
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("login-error").textContent = "";
  try {
    const { login } = await new Api().request(LOGIN, {
      email: $("email").value,
      password: $("password").value,
    });
    saveToken(login.token);
    $("password").value = "";
    await start(login.token);
  } catch (error) {
    $("login-error").textContent = error.message;
  }
});

$("logout").addEventListener("click", async () => {
  try {
    await session?.api.request("mutation Logout { logout }");
  } finally {
    signOut("Logged out.");
    announce("Logged out");
  }
});

function showProblem(error) {
  $("login-error").textContent = `The dashboard could not start: ${error.message}`;
  announce("The dashboard could not start");
}

const token = savedToken();
if (token) start(token).catch(showProblem);
else showLogin();
