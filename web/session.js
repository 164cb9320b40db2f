// The bearer token lives in sessionStorage: it survives a reload of the tab, ends with the
// tab, is never sent by the browser on its own (no cookie, so no CSRF), and no other tab or
// site can read it. Scripts of this origin could; the Content-Security-Policy admits no
// script from anywhere else, and the page writes data as text, never as HTML.
const KEY = "crmhub.token";

export function savedToken() {
  return sessionStorage.getItem(KEY);
}

export function saveToken(token) {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken() {
  sessionStorage.removeItem(KEY);
}
