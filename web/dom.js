// Building DOM nodes from data. Text is always set as text, never parsed as HTML.

/** `h("button", {class: "x", onclick: f}, "Label", child)` */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  element.append(...children.flat().filter((child) => child !== null && child !== undefined));
  return element;
}

const TIME = new Intl.DateTimeFormat(undefined, { dateStyle: "short", timeStyle: "short" });

export function when(iso) {
  return h("time", { datetime: iso }, TIME.format(new Date(iso)));
}

/** A message in the page's status line, read out by screen readers. */
export function announce(text) {
  const status = document.getElementById("announcer");
  status.textContent = text;
}
