// Building the page from data without innerHTML: every value from the API becomes a
// text node, so nothing it contains can run as markup.

export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'className') {
      element.className = value;
    } else if (name === 'value') {
      element.value = value;
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

export function table(headers, rows) {
  return h('table', {},
    h('thead', {}, h('tr', {}, headers.map((name) => h('th', {}, name)))),
    h('tbody', {}, rows));
}

// A local, readable time for an ISO string (or "—").
export function when(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export function ago(iso) {
  if (!iso) return 'never';
  const seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (seconds < 60) return `${Math.max(seconds, 0)} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

// An error (ApiError or other) as text, with the field problems when there are some.
export function describe(error) {
  const details = (error.details || []).map((d) => `${d.field}: ${d.problem}`).join('; ');
  return details ? `${error.message} (${details})` : error.message;
}

export function message(text, kind = 'muted', id = undefined) {
  return h('p', { className: `message ${kind}`, id }, text);
}

// Last seen: "now" while online (the store's time is written every few seconds).
export function lastSeen(device) {
  return device.online ? 'now' : ago(device.lastSeenAt);
}

export function presence(device) {
  if (device.status === 'revoked') {
    // A broker that cannot be told to drop it (Mosquitto) may still hold the connection;
    // the hub refuses everything it sends.
    return h('span', {
      className: 'revoked state',
      title: device.connected ? 'the broker still holds its connection; the hub refuses all its traffic' : null,
    }, 'offline (revoked)');
  }
  return device.online
    ? h('span', { className: 'online state' }, 'online')
    : h('span', { className: 'offline state' }, 'offline');
}

// Previous / next buttons for a page {page, limit, total} of a listing; `state.page` is
// what `load` asks for.
export function pager(body, state, load, note = '') {
  const pages = Math.max(1, Math.ceil(body.total / body.limit));
  const prev = h('button', { type: 'button', className: 'secondary', disabled: state.page <= 1 }, '‹ Previous');
  const next = h('button', { type: 'button', className: 'secondary', disabled: state.page >= pages }, 'Next ›');
  prev.addEventListener('click', () => { state.page--; load(); });
  next.addEventListener('click', () => { state.page++; load(); });
  return h('div', { className: 'pager' }, prev, `page ${body.page} of ${pages} · ${body.total} in all${note ? ` · ${note}` : ''}`, next);
}

