// Fleet pages: the overview, the device list (server-side search and paging) and one
// device with its RPC form, certificates and revocation. Presence is polled.
import { api, query } from './api.js';
import { ago, describe, h, lastSeen, message, pager, presence, replace, table, when } from './dom.js';

const POLL_MS = 3000;

export function overviewPage(main, _params, ctx) {
  const cards = h('div', { className: 'cards', id: 'overview' });
  const status = h('div');
  main.append(h('h1', {}, 'Fleet overview'), cards, status);
  const card = (id, number, label) =>
    h('div', { className: 'card', id }, h('div', { className: 'n' }, number), h('div', { className: 'l' }, label));
  ctx.poll(async () => {
    try {
      const { body } = await api('GET', '/api/fleet/overview');
      if (!ctx.live()) return;
      const c = body.certificates;
      replace(cards,
        card('count-devices', body.devices.total,
          `devices (${body.devices.bound} bound, ${body.devices.unbound} unbound, ${body.devices.revoked} revoked)`),
        card('count-users', body.users, 'users'),
        card('count-online', body.onlineNow, 'online now'),
        card('count-expiring', c.expiringSoon, `certificates expiring within ${c.expiringWithinDays} days`),
        card('count-expired', c.expired, 'current certificates expired'));
      replace(status, message(`Updated ${when(body.generatedAt)}`));
    } catch (error) {
      replace(status, message(describe(error), 'error'));
    }
  }, POLL_MS);
}

export function devicesPage(main, _params, ctx) {
  const state = { q: '', status: '', online: '', page: 1, limit: 25 };
  const search = h('input', { id: 'device-search', type: 'search', placeholder: 'device or owner id' });
  const statusFilter = h('select', { id: 'device-status' },
    ['', 'bound', 'unbound', 'revoked'].map((s) => h('option', { value: s }, s || 'any status')));
  const onlineFilter = h('select', { id: 'device-online' },
    [['', 'online or not'], ['true', 'online'], ['false', 'offline']].map(([v, t]) => h('option', { value: v }, t)));
  const results = h('div', { id: 'devices' });
  const pagerSlot = h('div');
  main.append(h('h1', {}, 'Devices'),
    h('form', { id: 'device-filter' }, h('label', {}, 'Search', search),
      h('label', {}, 'Status', statusFilter), h('label', {}, 'Presence', onlineFilter)),
    results, pagerSlot);

  let typing;
  const reload = () => { state.page = 1; load(); };
  search.addEventListener('input', () => { clearTimeout(typing); typing = setTimeout(reload, 250); });
  statusFilter.addEventListener('change', () => { state.status = statusFilter.value; reload(); });
  onlineFilter.addEventListener('change', () => { state.online = onlineFilter.value; reload(); });
  main.querySelector('form').addEventListener('submit', (event) => { event.preventDefault(); reload(); });

  async function load() {
    state.q = search.value.trim();
    try {
      const { body, ms } = await api('GET', `/api/fleet/devices${query(state)}`);
      if (!ctx.live()) return;
      const rows = body.devices.map((d) => h('tr', { 'data-device': d.id },
        h('td', { className: 'mono' }, h('a', { href: `#/device/${encodeURIComponent(d.id)}` }, d.id)),
        h('td', {}, d.status),
        h('td', { className: 'mono' }, d.ownerId || '—'),
        h('td', {}, presence(d)),
        h('td', {}, lastSeen(d)),
        h('td', {}, d.certificate ? when(d.certificate.validTo) : 'none')));
      replace(results, body.total === 0 ? message('No device matches.')
        : table(['Device', 'Status', 'Owner', 'Presence', 'Last seen', 'Certificate expires'], rows));
      replace(pagerSlot, pager(body, state, load, `${ms} ms`));
    } catch (error) {
      replace(results, message(describe(error), 'error'));
    }
  }
  ctx.poll(load, POLL_MS);
}

// One input per catalog field; empty inputs are left out of params.
function fieldInput(field) {
  const id = `param-${field.name}`;
  let input;
  if (field.type === 'boolean' || field.type === 'enum') {
    const values = field.type === 'boolean' ? ['true', 'false'] : field.values;
    input = h('select', { id, name: field.name },
      h('option', { value: '' }, '(leave out)'), values.map((v) => h('option', { value: v }, v)));
  } else if (field.type === 'json') {
    input = h('textarea', { id, name: field.name, placeholder: 'JSON' });
  } else {
    const numeric = field.type === 'integer' || field.type === 'number';
    input = h('input', {
      id, name: field.name, type: numeric ? 'number' : 'text',
      step: field.type === 'integer' ? '1' : 'any', min: field.min, max: field.max,
    });
  }
  return h('label', {}, `${field.name}${field.required ? ' *' : ''} — ${field.rule}`, input);
}

function readParams(form, fields) {
  const params = {};
  for (const field of fields) {
    const raw = form.elements[field.name].value.trim();
    if (raw === '') continue;
    if (field.type === 'boolean') params[field.name] = raw === 'true';
    else if (field.type === 'integer' || field.type === 'number') params[field.name] = Number(raw);
    else if (field.type === 'json') params[field.name] = JSON.parse(raw);
    else params[field.name] = raw;
  }
  return params;
}

export function devicePage(main, [id], ctx) {
  const header = h('div', { id: 'device-header' });
  const certificates = h('div', { id: 'device-certificates' });
  const rpc = h('section', { id: 'rpc' });
  const danger = h('section', { id: 'device-actions' });
  main.append(h('h1', {}, 'Device ', h('span', { className: 'mono' }, id)), header,
    h('h2', {}, 'Send a command'), rpc, h('h2', {}, 'Certificates'), certificates, danger);
  let device = null;

  ctx.poll(async () => {
    try {
      const { body } = await api('GET', `/api/fleet/devices/${encodeURIComponent(id)}`);
      if (!ctx.live()) return;
      device = body.device;
      replace(header, table(['Status', 'Owner', 'Presence', 'Last seen', 'Model', 'Firmware'], [
        h('tr', {}, h('td', { id: 'device-status' }, device.status),
          h('td', { className: 'mono' }, device.ownerId || '—'),
          h('td', { id: 'device-presence' }, presence(device)),
          h('td', {}, device.online ? 'now' : `${ago(device.lastSeenAt)} (${when(device.lastSeenAt)})`),
          h('td', {}, device.model || '—'), h('td', {}, device.firmwareVersion || '—'))]));
      replace(certificates, body.certificates.length === 0 ? message('No certificate.')
        : table(['Fingerprint', 'Valid to', 'Revoked'], body.certificates.map((c) =>
          h('tr', {}, h('td', { className: 'mono' }, c.fingerprint), h('td', {}, when(c.validTo)),
            h('td', {}, c.revokedAt ? `${when(c.revokedAt)} (${c.revocationReason})` : 'no')))));
      renderDanger();
    } catch (error) {
      replace(header, message(describe(error), 'error'));
    }
  }, POLL_MS);

  function renderDanger() {
    if (device.status === 'revoked') {
      replace(danger, message('This device is revoked: it can no longer connect.', 'revoked'));
      return;
    }
    if (danger.querySelector('#revoke')) return;
    const revoke = h('button', { id: 'revoke', type: 'button', className: 'danger' }, 'Revoke device…');
    const confirm = h('button', { id: 'revoke-confirm', type: 'button', className: 'danger', hidden: true },
      'Yes, revoke it and its certificates for good');
    const result = h('div', { id: 'revoke-result' });
    revoke.addEventListener('click', () => { confirm.hidden = false; });
    confirm.addEventListener('click', async () => {
      confirm.disabled = true;
      try {
        const { body } = await api('POST', `/api/fleet/devices/${encodeURIComponent(id)}/revoke`);
        replace(result, message(body.message, 'success'));
      } catch (error) {
        replace(result, message(describe(error), 'error'));
        confirm.disabled = false;
      }
    });
    replace(danger, h('h2', {}, 'Revoke'), revoke, ' ', confirm, result);
  }

  buildRpcForm(rpc, id, () => device);
}

async function buildRpcForm(section, id, currentDevice) {
  let methods;
  try {
    ({ body: { methods } } = await api('GET', '/api/rpc/methods'));
  } catch (error) {
    replace(section, message(describe(error), 'error'));
    return;
  }
  const select = h('select', { id: 'method', name: 'method' }, methods.map((m) => h('option', { value: m.name }, m.name)));
  const fields = h('div', { id: 'params', className: 'stacked' });
  const timeout = h('input', { id: 'rpc-timeout', type: 'number', min: 1000, max: 30000, value: 5000 });
  const send = h('button', { id: 'send', type: 'submit' }, 'Send');
  const result = h('div', { id: 'rpc-result' });
  const form = h('form', { className: 'stacked', id: 'rpc-form' },
    h('label', {}, 'Method', select), fields, h('label', {}, 'Timeout (ms)', timeout), send);
  const spec = () => methods.find((m) => m.name === select.value);
  const renderFields = () => replace(fields, spec().fields.map(fieldInput));
  select.addEventListener('change', renderFields);
  renderFields();
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const device = currentDevice();
    let params;
    try {
      params = readParams(form, spec().fields);
    } catch (error) {
      replace(result, message(`Bad parameter: ${error.message}`, 'error'));
      return;
    }
    if (!device || !device.ownerId) {
      replace(result, message('Only a bound device takes commands.', 'error'));
      return;
    }
    send.disabled = true;
    replace(result, message('Waiting for the device…'));
    const command = { deviceId: id, userId: device.ownerId, method: select.value, timeout: Number(timeout.value) };
    if (Object.keys(params).length > 0) command.params = params;
    try {
      const { body, ms } = await api('POST', '/api/mqtt/device/command', command);
      const executed = body.metadata && body.metadata.executionTime;
      replace(result,
        message(`${body.error ? 'Device answered with an error' : 'Reply'} in ${ms} ms` +
          (executed !== undefined && executed !== null ? ` (device ${executed} ms)` : ''),
        body.error ? 'error' : 'success', 'rpc-latency'),
        h('pre', { id: 'reply' }, JSON.stringify(body, null, 2)));
    } catch (error) {
      replace(result, message(describe(error), 'error', 'rpc-error'));
    } finally {
      send.disabled = false;
    }
  });
  replace(section, form, result);
}
