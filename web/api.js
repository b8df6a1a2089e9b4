// The control-plane API as the page uses it: JSON over fetch, the bearer token, errors as values.

const token_key = 'mbus-sim-token';

// A token given once in the page URL (?token=...) is kept for the tab and taken out of the address bar,
// so that it does not end up in bookmarks, history or screenshots.
export function take_token_from_url() {
    const url = new URL(window.location.href);
    const t = url.searchParams.get('token');
    if (t !== null) {
        sessionStorage.setItem(token_key, t);
        url.searchParams.delete('token');
        history.replaceState(null, '', url.pathname + url.search + url.hash);
    }
}

export function token() {
    return sessionStorage.getItem(token_key) || '';
}

function headers(extra) {
    const h = Object.assign({}, extra);
    const t = token();
    if (t) h.Authorization = 'Bearer ' + t;
    return h;
}

export const seg = encodeURIComponent;

// The API's error body {"error":{"status","field","reason"}} turned into one line for people.
async function error_of(response) {
    let reason = '';
    let field = '';
    try {
        const body = await response.json();
        if (body && body.error) {
            reason = body.error.reason || '';
            field = body.error.field || '';
        }
    } catch (_) {
        // not JSON: the status line says enough
    }
    if (!reason) reason = `${response.status} ${response.statusText}`.trim();
    return { status: response.status, field, reason };
}

// Resolves to {ok: true, value} or {ok: false, error: {status, field, reason}}; never rejects, so a
// control can show the reason next to itself.
export async function call(method, path, body) {
    const init = { method, headers: headers({ Accept: 'application/json' }) };
    if (body !== undefined) {
        init.headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(body);
    }
    let response;
    try {
        response = await fetch('/api/v1' + path, init);
    } catch (e) {
        return { ok: false, error: { status: 0, field: '', reason: 'the simulator does not answer (' + e.message + ')' } };
    }
    if (!response.ok) return { ok: false, error: await error_of(response) };
    if (response.status === 204) return { ok: true, value: null };
    const text = await response.text();
    if (!text) return { ok: true, value: null };
    try {
        return { ok: true, value: JSON.parse(text) };
    } catch (e) {
        return { ok: false, error: { status: response.status, field: '', reason: 'not JSON: ' + e.message } };
    }
}

export const get = (path) => call('GET', path);

// The transcript as a file; with a token it is fetched with the header (a plain link could not send it).
export async function download(path, filename) {
    const response = await fetch('/api/v1' + path, { headers: headers({}) });
    if (!response.ok) return { ok: false, error: await error_of(response) };
    const blob = await response.blob();
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = filename;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    return { ok: true, value: null };
}

// A browser cannot set headers on a WebSocket: the token goes in the query string.
export function stream_url(bus) {
    const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    let url = `${scheme}//${window.location.host}/api/v1/buses/${seg(bus)}/stream`;
    const t = token();
    if (t) url += '?token=' + encodeURIComponent(t);
    return url;
}
