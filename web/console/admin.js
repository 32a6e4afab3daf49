// Admin pages: users (plan, balance), certificates (by expiry, revoke) and the audit log.
import { api, query } from './api.js';
import { describe, h, message, pager, replace, table, when } from './dom.js';

export function usersPage(main, _params, ctx) {
  const state = { page: 1, limit: 50 };
  const list = h('div', { id: 'users' });
  main.append(h('h1', {}, 'Users'), list);
  async function load() {
    try {
      const { body } = await api('GET', `/api/users${query(state)}`);
      if (!ctx.live()) return;
      replace(list, table(['Id', 'Name', 'E-mail', 'Role', 'Plan', 'Plan expires', 'Balance'],
        body.users.map((u) => h('tr', { 'data-user': u.id },
          h('td', { className: 'mono' }, u.id), h('td', {}, u.name), h('td', {}, u.email),
          h('td', {}, u.role), h('td', {}, u.plan), h('td', {}, when(u.planExpiresAt)),
          h('td', {}, u.balance)))), pager(body, state, load));
    } catch (error) {
      replace(list, message(describe(error), 'error'));
    }
  }
  load();
}

export function certificatesPage(main, _params, ctx) {
  const state = { q: '', state: 'active', page: 1, limit: 50 };
  const search = h('input', { id: 'certificate-search', type: 'search', placeholder: 'device id' });
  const filter = h('select', { id: 'certificate-state' },
    [['active', 'in use'], ['expiring', 'expiring within 30 days'], ['expired', 'expired'],
      ['revoked', 'revoked'], ['', 'all']].map(([v, t]) => h('option', { value: v }, t)));
  const list = h('div', { id: 'certificates' });
  const note = h('div');
  const form = h('form', {}, h('label', {}, 'Device', search), h('label', {}, 'State', filter),
    h('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', (event) => { event.preventDefault(); state.page = 1; load(); });
  filter.addEventListener('change', () => { state.page = 1; load(); });
  main.append(h('h1', {}, 'Certificates'), form, note, list);

  async function revoke(fingerprint, button) {
    button.disabled = true;
    try {
      const { body } = await api('DELETE',
        `/api/devices/certificates/${encodeURIComponent(fingerprint)}${query({ reason: 'revoked in the console' })}`);
      replace(note, message(body.message, 'success'));
      load();
    } catch (error) {
      replace(note, message(describe(error), 'error'));
      button.disabled = false;
    }
  }

  async function load() {
    state.q = search.value.trim();
    state.state = filter.value;
    try {
      const { body } = await api('GET', `/api/fleet/certificates${query(state)}`);
      if (!ctx.live()) return;
      replace(list, table(['Device', 'Fingerprint', 'Valid to', 'State', ''],
        body.certificates.map((c) => {
          const button = h('button', { type: 'button', className: 'danger' }, 'Revoke');
          button.addEventListener('click', () => revoke(c.fingerprint, button));
          return h('tr', {},
            h('td', { className: 'mono' }, h('a', { href: `#/device/${encodeURIComponent(c.deviceId)}` }, c.deviceId)),
            h('td', { className: 'mono' }, c.fingerprint), h('td', {}, when(c.validTo)),
            h('td', { className: c.state === 'active' ? '' : 'warning' }, c.state),
            h('td', {}, c.state === 'revoked' ? '' : button));
        })), pager(body, state, load));
    } catch (error) {
      replace(list, message(describe(error), 'error'));
    }
  }
  load();
}

export function auditPage(main, _params, ctx) {
  const list = h('div', { id: 'audit' });
  main.append(h('h1', {}, 'Audit log'), h('p', { className: 'muted' }, 'The newest 200 entries, newest first.'), list);
  ctx.poll(async () => {
    try {
      const { body } = await api('GET', '/api/audit?limit=200');
      if (!ctx.live()) return;
      replace(list, table(['When', 'Actor', 'Action', 'Target', 'Details'],
        body.entries.map((e) => h('tr', {},
          h('td', {}, when(e.at)), h('td', { className: 'mono' }, e.actor), h('td', {}, e.action),
          h('td', { className: 'mono' }, e.target),
          h('td', { className: 'mono' }, JSON.stringify(e.details))))));
    } catch (error) {
      replace(list, message(describe(error), 'error'));
    }
  }, 10000);
}
