// The console's shell: sign-in, navigation (hash routes) and the timers of live pages.
import { api, forget, rememberProxy, rememberToken, signedIn } from './api.js';
import { describe, h, message, replace } from './dom.js';
import { auditPage, certificatesPage, usersPage } from './admin.js';
import { devicePage, devicesPage, overviewPage } from './fleet.js';
import { rulesPage } from './rules.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const signout = document.getElementById('signout');

const routes = {
  overview: overviewPage,
  devices: devicesPage,
  device: devicePage,
  users: usersPage,
  certificates: certificatesPage,
  rules: rulesPage,
  audit: auditPage,
};

// Timers of the page on screen; cleared when the page changes. `generation` lets a
// page's late answers notice that the user has moved on.
let timers = [];
let generation = 0;

function context() {
  const mine = ++generation;
  return {
    live: () => mine === generation,
    // Runs `task` now and every `ms` while the page is on screen.
    poll(task, ms) {
      task();
      timers.push(setInterval(() => { if (mine === generation) task(); }, ms));
    },
    go: (hash) => { window.location.hash = hash; },
  };
}

function signInPage(note) {
  nav.hidden = true;
  signout.hidden = true;
  replace(who);
  const token = h('input', { id: 'token', type: 'password', autocomplete: 'off', required: true });
  const status = h('div', { id: 'signin-status' }, note ? message(note, 'error') : null);
  const form = h('form', { className: 'stacked', id: 'signin-form' },
    h('label', {}, 'Admin token', token),
    h('button', { id: 'signin', type: 'submit' }, 'Sign in with the token'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    rememberToken(token.value.trim());
    token.value = '';
    await enter(status);
  });
  const proxy = h('button', { id: 'signin-proxy', type: 'button', className: 'secondary' },
    'Use my single sign-on identity');
  proxy.addEventListener('click', async () => {
    rememberProxy();
    await enter(status);
  });
  replace(main, h('section', { className: 'signin' },
    h('h1', {}, 'Sign in to iot-hub'),
    form,
    h('p', { className: 'muted' },
      'Behind the OAuth2 proxy, the hub knows you already:'),
    proxy,
    status));
}

// Checks the credential just chosen with /api/auth/me and opens the console.
async function enter(status) {
  try {
    await showCaller();
    if (!window.location.hash || window.location.hash === '#/signin') {
      window.location.hash = '#/overview';
    } else {
      route();
    }
  } catch (error) {
    forget();
    replace(status, message(`Sign-in failed: ${describe(error)}`, 'error'));
  }
}

async function showCaller() {
  const { body } = await api('GET', '/api/auth/me');
  const name = body.name || body.email || body.userId || body.id;
  replace(who, h('span', { id: 'caller' },
    name ? `${name} (${body.role}, ${body.authMethod})` : `${body.role} via ${body.authMethod}`));
  nav.hidden = false;
  signout.hidden = false;
}

function route() {
  for (const timer of timers) clearInterval(timer);
  timers = [];
  if (!signedIn()) {
    generation++;
    signInPage();
    return;
  }
  const [name, ...rest] = window.location.hash.replace(/^#\/?/, '').split('/');
  const page = routes[name] || overviewPage;
  for (const link of nav.querySelectorAll('a')) {
    link.classList.toggle('active', link.getAttribute('href') === `#/${name || 'overview'}`);
  }
  replace(main);
  page(main, rest.map(decodeURIComponent), context());
}

signout.addEventListener('click', () => {
  forget();
  window.location.hash = '#/signin';
  route();
});
window.addEventListener('iothub:signed-out', () => signInPage('Your session ended: sign in again.'));
window.addEventListener('hashchange', route);

(async () => {
  if (signedIn()) {
    try {
      await showCaller();
    } catch (error) {
      forget();
      signInPage(describe(error));
      return;
    }
  }
  route();
})();
