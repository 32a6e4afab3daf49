// The hub's API as the console calls it: same origin, JSON, and the credential in the
// Authorization header only -- never in a URL, never in a cookie (so no request can be
// forged cross-site: a foreign page cannot add the header).
//
// The admin token lives in sessionStorage (this tab only; gone when it closes). With the
// OAuth2 proxy, the console sends no credential: the proxy in front of the hub adds its
// identity headers to every request.

const TOKEN_KEY = 'iothub.console.token';
const MODE_KEY = 'iothub.console.mode'; // "token" or "proxy"

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || '';
    this.details = error.details || [];
  }
}

export function signedIn() {
  return sessionStorage.getItem(MODE_KEY) !== null;
}

export function rememberToken(token) {
  sessionStorage.setItem(MODE_KEY, 'token');
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function rememberProxy() {
  sessionStorage.setItem(MODE_KEY, 'proxy');
  sessionStorage.removeItem(TOKEN_KEY);
}

export function forget() {
  sessionStorage.removeItem(MODE_KEY);
  sessionStorage.removeItem(TOKEN_KEY);
}

// Calls the API; resolves to {status, body, ms} for a 2xx answer, throws ApiError
// otherwise (a 401 also signs out: the token is wrong or the proxy session ended).
export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = `Bearer ${token}`;
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const started = performance.now();
  const response = await fetch(path, init);
  const ms = Math.round(performance.now() - started);
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) {
    if (response.status === 401 && signedIn()) {
      forget();
      window.dispatchEvent(new Event('iothub:signed-out'));
    }
    throw new ApiError(response.status, parsed);
  }
  return { status: response.status, body: parsed, ms };
}

// "a=1&b=x" from an object, leaving out empty values.
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
