// The console: the bus and its meters, the selected meter's records and chart, faults, counters and
// the traffic view, kept live from the bus's stream.

import { call, get, seg, take_token_from_url, download } from './api.js';
import { draw, window_seconds } from './chart.js';
import { traffic } from './traffic.js';

const $ = (id) => document.getElementById(id);

const state = {
    bus: null,
    meters: new Map(), // name -> meter as the API gives it
    order: [],         // meter names in the API's order
    selected: null,    // the meter whose records are shown
    chart: null,       // {meter, index}
    history: new Map(), // "meter\u0000index" -> [[ms, value], ...]
    fault_kinds: [],
};

// ---- small helpers -------------------------------------------------------------------------------

function cell(text, cls) {
    const td = document.createElement('td');
    td.textContent = text === undefined || text === null ? '' : String(text);
    if (cls) td.className = cls;
    return td;
}

function show_error(target, error) {
    target.textContent = error ? error.reason + (error.field ? ` (${error.field})` : '') : '';
}

function page_error(text) {
    const p = $('page-error');
    p.textContent = text || '';
    p.hidden = !text;
}

// Calls fn at most once per `ms`, and once more after the last call of a burst.
function throttle(fn, ms) {
    let last = 0;
    let timer = null;
    return () => {
        const now = Date.now();
        if (timer) return;
        const wait = Math.max(0, last + ms - now);
        timer = setTimeout(() => {
            timer = null;
            last = Date.now();
            fn();
        }, wait);
    };
}

const bus_path = () => `/buses/${seg(state.bus)}`;
const meter_path = (name) => `${bus_path()}/meters/${seg(name)}`;

function medium_text(m) {
    return typeof m.medium === 'number' ? `0x${m.medium.toString(16).padStart(2, '0')}` : m.medium;
}

function value_text(v) {
    if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 1e6) / 1e6);
    return v === undefined || v === null ? '' : String(v);
}

function record_label(r) {
    return r.name || r.quantity || `record ${r.index}`;
}

// ---- meters --------------------------------------------------------------------------------------

function remember(meter) {
    const now = Date.now();
    for (const r of meter.records || []) {
        if (typeof r.value !== 'number') continue;
        const key = meter.name + '\u0000' + r.index;
        let h = state.history.get(key);
        if (!h) state.history.set(key, (h = []));
        if (h.length === 0 || h[h.length - 1][1] !== r.value || now - h[h.length - 1][0] > 5000) h.push([now, r.value]);
        while (h.length && h[0][0] < now - window_seconds * 1000) h.shift();
    }
}

const meter_columns = ['name', 'num', 'mono', '', '', 'state'];

// Rows are updated in place: a refresh from the stream keeps focus, hover and references to rows.
function fill_meter_row(row, m) {
    const texts = [
        m.name,
        m.primary,
        m.secondary,
        m.manufacturer,
        medium_text(m),
        // A selected meter is present: one word says both.
        m.present ? (m.selected ? 'selected' : 'present') : 'absent',
    ];
    while (row.cells.length < texts.length) row.append(cell('', meter_columns[row.cells.length]));
    texts.forEach((t, i) => {
        const text = t === undefined || t === null ? '' : String(t);
        if (row.cells[i].textContent !== text) row.cells[i].textContent = text;
    });
    row.cells[5].classList.toggle('absent', !m.present);
    row.cells[5].classList.toggle('selected', !!m.selected);
    row.classList.toggle('off', !m.present);
    row.classList.toggle('current', m.name === state.selected);
}

function render_meters() {
    const body = $('meters').tBodies[0];
    const rows = new Map([...body.rows].map((r) => [r.dataset.meter, r]));
    state.order.forEach((name, i) => {
        let row = rows.get(name);
        if (!row) {
            row = document.createElement('tr');
            row.dataset.meter = name;
            row.tabIndex = 0;
        }
        fill_meter_row(row, state.meters.get(name));
        if (body.rows[i] !== row) body.insertBefore(row, body.rows[i] || null);
        rows.delete(name);
    });
    for (const row of rows.values()) row.remove();
    $('meter-count').textContent = `(${state.order.length})`;
}

async function load_meters() {
    const bus = state.bus;
    const res = await get(`${bus_path()}/meters`);
    if (bus !== state.bus) return; // the user switched buses meanwhile
    if (!res.ok) {
        page_error('meters: ' + res.error.reason);
        return;
    }
    page_error('');
    state.meters = new Map(res.value.map((m) => [m.name, m]));
    state.order = res.value.map((m) => m.name);
    res.value.forEach(remember);
    render_meters();
    meters_changed();
    if (state.selected && !state.meters.has(state.selected)) state.selected = null;
    render_detail();
}

function meters_changed() {
    list.set_meters(state.order);
    const select = $('fault-meter');
    if ([...select.options].slice(1).map((o) => o.value).join('\n') === state.order.join('\n')) return;
    const chosen = select.value;
    select.replaceChildren(new Option('(whole bus)', ''));
    for (const n of state.order) select.append(new Option(n, n));
    select.value = state.order.includes(chosen) ? chosen : '';
}

// A meter the API just returned (after a change or a refetch).
function update_meter(m) {
    const known = state.meters.has(m.name);
    state.meters.set(m.name, m);
    if (!known) state.order.push(m.name);
    render_meters();
    if (!known) meters_changed();
    remember(m);
    if (m.name === state.selected) render_detail();
}

// Exchanges touching a meter refetch it, at most a few times a second per meter.
const refetchers = new Map();
function refetch(name) {
    let f = refetchers.get(name);
    if (!f) {
        f = throttle(async () => {
            if (!state.meters.has(name)) return;
            const bus = state.bus;
            const res = await get(meter_path(name));
            if (res.ok && bus === state.bus) update_meter(res.value);
        }, 700);
        refetchers.set(name, f);
    }
    f();
}

// ---- the selected meter --------------------------------------------------------------------------

function select_meter(name) {
    state.selected = name;
    for (const row of $('meters').tBodies[0].rows) row.classList.toggle('current', row.dataset.meter === name);
    const m = state.meters.get(name);
    const numeric = m && (m.records || []).find((r) => typeof r.value === 'number');
    if (!state.chart || state.chart.meter !== name) state.chart = numeric ? { meter: name, index: numeric.index } : null;
    show_error($('meter-error'), null);
    render_detail();
}

function render_detail() {
    const m = state.selected && state.meters.get(state.selected);
    $('meter-empty').hidden = !!m;
    $('meter-detail').hidden = !m;
    if (!m) {
        $('meter-title').textContent = 'Meter';
        return;
    }
    $('meter-title').textContent = m.name;
    const facts = [
        ['primary', m.primary],
        ['secondary', m.secondary],
        ['id', m.id],
        ['maker', m.manufacturer],
        ['version', m.version],
        ['medium', medium_text(m)],
        ['present', m.present ? 'yes' : 'no'],
        ['selected', m.selected ? 'yes' : 'no'],
        ['FCB', m.fcb === null || m.fcb === undefined ? '-' : m.fcb ? '1' : '0'],
        ['status', m.status],
        ['alarm', String(m.alarm)],
        ['baud', m.baud],
    ];
    const dl = $('meter-facts');
    dl.replaceChildren();
    for (const [k, v] of facts) {
        const dt = document.createElement('dt');
        dt.textContent = k;
        const dd = document.createElement('dd');
        dd.textContent = v === undefined ? '' : String(v);
        dl.append(dt, dd);
    }
    $('presence-button').textContent = m.present ? 'take off the bus' : 'put back on the bus';

    const body = $('records').tBodies[0];
    // Rows are updated in place so that a value being typed survives the live refresh.
    const rows = new Map([...body.rows].map((r) => [Number(r.dataset.index), r]));
    const keep = new Set();
    for (const r of m.records || []) {
        keep.add(r.index);
        let row = rows.get(r.index);
        if (!row || row.dataset.meter !== m.name) {
            if (row) row.remove();
            row = record_row(m.name, r);
            body.append(row);
        }
        row.querySelector('.value').textContent = value_text(r.value);
        row.querySelector('.unit').textContent = r.unit || '';
        row.querySelector('.record-name').textContent = record_label(r);
        row.querySelector('.record-name').title = [
            r.quantity,
            r.function,
            r.storage ? `storage ${r.storage}` : '',
            r.tariff ? `tariff ${r.tariff}` : '',
            r.generator ? 'generator: ' + JSON.stringify(r.generator) : '',
        ].filter(Boolean).join(', ');
        row.querySelector('.chart-pick').disabled = typeof r.value !== 'number';
        row.classList.toggle('charted', !!state.chart && state.chart.meter === m.name && state.chart.index === r.index);
        row.classList.toggle('generated', !!r.generator);
    }
    for (const [i, row] of rows) if (!keep.has(i) || row.dataset.meter !== m.name) row.remove();
    draw_chart();
}

function record_row(meter, r) {
    const row = document.createElement('tr');
    row.dataset.index = r.index;
    row.dataset.meter = meter;
    row.append(cell(r.index, 'num'), cell('', 'record-name'), cell('', 'value num'), cell('', 'unit'));

    const td = document.createElement('td');
    const form = document.createElement('form');
    form.className = 'set-value';
    const input = document.createElement('input');
    input.name = 'value';
    input.setAttribute('aria-label', `new value of record ${r.index}`);
    const button = document.createElement('button');
    button.type = 'submit';
    button.textContent = 'set';
    const error = document.createElement('span');
    error.className = 'control-error';
    error.setAttribute('role', 'alert');
    form.append(input, button);
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const text = input.value.trim();
        if (text === '') return;
        const current = state.meters.get(meter).records.find((x) => x.index === r.index);
        // Numbers as numbers; a record that holds text (a date, a string) gets the text.
        // Anything else goes as typed, for the server to say what is wrong with it.
        const value = text !== '' && Number.isFinite(Number(text)) && typeof current.value !== 'string' ? Number(text) : text;
        const res = await call('PUT', `${meter_path(meter)}/records/${r.index}`, { value });
        show_error(error, res.ok ? null : res.error);
        if (res.ok) {
            input.value = '';
            update_meter(res.value);
        }
    });
    td.append(form, error);
    row.append(td);

    const chart_td = document.createElement('td');
    const pick = document.createElement('button');
    pick.type = 'button';
    pick.className = 'chart-pick';
    pick.textContent = 'chart';
    pick.addEventListener('click', () => {
        state.chart = { meter, index: r.index };
        render_detail();
    });
    chart_td.append(pick);
    row.append(chart_td);
    return row;
}

function draw_chart() {
    const canvas = $('chart');
    const c = state.chart;
    const m = c && state.meters.get(c.meter);
    const r = m && m.records.find((x) => x.index === c.index);
    if (!r || $('meter-detail').hidden) {
        $('chart-caption').textContent = 'Pick a numeric record to chart it.';
        canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
        return;
    }
    const label = `${c.meter}: ${record_label(r)}${r.unit ? ' [' + r.unit + ']' : ''}`;
    $('chart-caption').textContent = `${label}, the last ${window_seconds / 60} minutes`;
    draw(canvas, state.history.get(c.meter + '\u0000' + c.index) || [], label);
}

async function meter_action(path, body) {
    const name = state.selected;
    if (!name) return;
    const res = await call('POST', `${meter_path(name)}/${path}`, body);
    show_error($('meter-error'), res.ok ? null : res.error);
    if (res.ok) update_meter(res.value);
}

// ---- faults --------------------------------------------------------------------------------------

const fault_common = new Set(['name', 'kind', 'meter', 'active', 'description']);

async function load_faults() {
    const bus = state.bus;
    const res = await get(`${bus_path()}/faults`);
    if (bus !== state.bus) return;
    if (!res.ok) {
        show_error($('faults-error'), res.error);
        return;
    }
    const body = $('faults').tBodies[0];
    const rows = new Map([...body.rows].map((r) => [r.dataset.fault, r]));
    res.value.forEach((f, i) => {
        const row = rows.get(f.name) || fault_row(f.name);
        fill_fault_row(row, f);
        if (body.rows[i] !== row) body.insertBefore(row, body.rows[i] || null);
        rows.delete(f.name);
    });
    for (const row of rows.values()) row.remove();
}

function fill_fault_row(row, f) {
    const params = Object.entries(f)
        .filter(([k, v]) => !fault_common.has(k) && v !== null && !(Array.isArray(v) && v.length === 0))
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
    row.cells[1].textContent = f.kind;
    row.cells[2].textContent = f.meter || '(bus)';
    row.cells[3].textContent = params;
    row.querySelector('input.fault-active').checked = !!f.active;
    row.classList.toggle('inactive', !f.active);
    row.title = f.description || '';
}

function fault_row(name) {
    const row = document.createElement('tr');
    row.dataset.fault = name;
    row.append(cell(name, 'name'), cell(''), cell(''), cell('', 'params'));
    const active_td = document.createElement('td');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.className = 'fault-active';
    box.setAttribute('aria-label', `fault ${name} active`);
    box.addEventListener('change', async () => {
        const res = await call('PATCH', `${bus_path()}/faults/${seg(name)}`, { active: box.checked });
        show_error($('faults-error'), res.ok ? null : res.error);
        if (!res.ok) box.checked = !box.checked;
        load_faults_soon();
    });
    active_td.append(box);
    const remove_td = document.createElement('td');
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'fault-remove';
    remove.textContent = 'remove';
    remove.addEventListener('click', async () => {
        const res = await call('DELETE', `${bus_path()}/faults/${seg(name)}`);
        show_error($('faults-error'), res.ok ? null : res.error);
        load_faults_soon();
    });
    remove_td.append(remove);
    row.append(active_td, remove_td);
    return row;
}

async function load_fault_kinds() {
    const res = await get('/fault-kinds');
    if (!res.ok) {
        show_error($('faults-error'), res.error);
        return;
    }
    state.fault_kinds = res.value;
    const select = $('fault-kind');
    select.replaceChildren(...res.value.map((k) => new Option(k.kind, k.kind)));
    build_fault_parameters();
}

// The inputs of the chosen kind's parameters, typed from GET /fault-kinds.
function build_fault_parameters() {
    const kind = state.fault_kinds.find((k) => k.kind === $('fault-kind').value);
    $('fault-description').textContent = kind ? kind.description || '' : '';
    const box = $('fault-parameters');
    box.replaceChildren();
    for (const p of (kind && kind.parameters) || []) {
        const label = document.createElement('label');
        label.append(p.name + ' ');
        const input = document.createElement('input');
        input.name = 'param-' + p.name;
        input.dataset.param = p.name;
        input.dataset.type = p.type || 'string';
        const t = (p.type || '').toLowerCase();
        if (t === 'boolean' || t === 'bool') {
            input.type = 'checkbox';
            input.checked = p.default === true;
        } else {
            if (/int|number|float|double/.test(t)) {
                input.type = 'number';
                input.step = /int/.test(t) ? '1' : 'any';
            }
            input.placeholder = p.default === undefined || p.default === null ? '' : typeof p.default === 'string' ? p.default : JSON.stringify(p.default);
        }
        input.title = p.type ? `${p.type}` : '';
        label.append(input);
        box.append(label);
    }
}

function fault_body(form) {
    const body = { kind: form.elements.kind.value };
    const meter = form.elements.meter.value;
    if (meter) body.meter = meter;
    const name = form.elements.name.value.trim();
    if (name) body.name = name;
    body.active = form.elements.active.checked;
    for (const input of $('fault-parameters').querySelectorAll('input')) {
        const key = input.dataset.param;
        const t = input.dataset.type.toLowerCase();
        if (input.type === 'checkbox') {
            body[key] = input.checked;
            continue;
        }
        const text = input.value.trim();
        if (text === '') continue; // the kind's default
        if (input.type === 'number') body[key] = Number(text);
        else if (t === 'string' || t === 'hex') body[key] = text;
        else {
            // Durations, ranges ("[10, 50]") and the like: JSON when it reads as JSON.
            try {
                body[key] = JSON.parse(text);
            } catch (_) {
                body[key] = text; // the server names what is wrong with it
            }
        }
    }
    return body;
}

const load_faults_soon = throttle(load_faults, 300);

// ---- counters ------------------------------------------------------------------------------------

const counter_columns = ['received', 'answered', 'repeated', 'collided', 'ignored'];

function counter_table(title, entries) {
    // A plain number is one column of its own.
    const rows = entries.map(([k, v]) => [k, v !== null && typeof v === 'object' ? v : { count: v }]);
    const table = document.createElement('table');
    table.className = 'grid counters';
    const head = document.createElement('tr');
    const columns = new Set();
    for (const [, v] of rows) if (v && typeof v === 'object') for (const k of Object.keys(v)) columns.add(k);
    const ordered = [...counter_columns.filter((c) => columns.has(c)), ...[...columns].filter((c) => !counter_columns.includes(c))];
    for (const text of [title, ...ordered]) {
        const th = document.createElement('th');
        th.textContent = text;
        head.append(th);
    }
    const thead = document.createElement('thead');
    thead.append(head);
    const tbody = document.createElement('tbody');
    for (const [name, v] of rows) {
        const tr = document.createElement('tr');
        tr.append(cell(name, 'name'));
        for (const c of ordered) {
            const x = v && typeof v === 'object' ? v[c] : undefined;
            tr.append(cell(x === undefined ? '' : typeof x === 'object' ? JSON.stringify(x) : x, 'num'));
        }
        tbody.append(tr);
    }
    table.append(thead, tbody);
    return table;
}

async function load_counters() {
    const bus = state.bus;
    const res = await get(`${bus_path()}/counters`);
    if (bus !== state.bus) return;
    const box = $('counters');
    if (!res.ok) {
        box.textContent = res.error.reason;
        return;
    }
    const c = res.value || {};
    const parts = [];
    // by_kind has every counter of a request kind; kinds only how many were received.
    const kinds = c.by_kind || c.kinds;
    if (kinds) parts.push(counter_table('request', Object.entries(kinds)));
    if (c.meters) parts.push(counter_table('meter', Object.entries(c.meters)));
    const rest = Object.entries(c).filter(([k]) => !['by_kind', 'kinds', 'meters'].includes(k));
    if (rest.length) {
        const dl = document.createElement('dl');
        dl.className = 'facts';
        for (const [k, v] of rest) {
            const dt = document.createElement('dt');
            dt.textContent = k;
            const dd = document.createElement('dd');
            dd.textContent = typeof v === 'object' ? JSON.stringify(v) : String(v);
            dl.append(dt, dd);
        }
        parts.push(dl);
    }
    box.replaceChildren(...parts);
}

const load_counters_soon = throttle(load_counters, 1000);

// ---- the stream ----------------------------------------------------------------------------------

const reload_meters_soon = throttle(load_meters, 500);

function on_record(r) {
    if (r.kind === 'reply' || r.kind === 'silence') {
        for (const name of r.meters || []) refetch(name);
        // A select (CI 52/56) or a SND_NKE changes who is selected on the other meters too.
        if (r.request === 'SELECT' || r.request === 'SND_NKE' || /select|SND_NKE/i.test(r.summary || '')) reload_meters_soon();
        load_counters_soon();
    } else if (r.kind === 'request') {
        load_counters_soon();
    } else if (r.kind === 'event') {
        // Notices name what changed (a value, a fault, a meter): read it all again.
        reload_meters_soon();
        load_faults_soon();
    }
}

const list = new traffic(
    {
        body: $('traffic').tBodies[0],
        scroll: $('traffic-scroll'),
        pause: $('pause-button'),
        clear: $('clear-button'),
        paused_note: $('paused-note'),
        filter_meter: $('filter-meter'),
        filter_kind: $('filter-kind'),
        filter_request: $('filter-request'),
        count: $('traffic-count'),
    },
    on_record,
    (s, text, reconnected) => {
        // The simulator may have restarted or changed while the stream was down.
        if (reconnected) Promise.all([load_meters(), load_faults(), load_counters()]);
        const badge = $('stream-state');
        badge.dataset.state = s;
        badge.textContent = text;
    },
);

// ---- the bus -------------------------------------------------------------------------------------

async function open_bus(name, buses) {
    state.bus = name;
    state.selected = null;
    state.chart = null;
    state.history.clear();
    refetchers.clear();
    const info = buses.find((b) => b.name === name);
    $('bus-name').textContent = name;
    $('bus-lines').textContent = info && info.lines ? info.lines.join(', ') : '';
    $('transcript-link').href = `/api/v1/buses/${seg(name)}/transcript?since=0`;
    $('transcript-link').download = `${name}-transcript.jsonl`;
    list.clear();
    list.connect(name);
    await Promise.all([load_meters(), load_faults(), load_counters(), load_models()]);
}

// The "add a meter" form's model list: the model files next to the bus's scenario.
async function load_models() {
    const res = await get(`${bus_path()}/models`);
    if (!res.ok) return; // the field still takes any path
    $('models').replaceChildren(...res.value.map((m) => {
        const option = document.createElement('option');
        option.value = m.model;
        return option;
    }));
}

async function start() {
    take_token_from_url();
    const buses = await get('/buses');
    if (!buses.ok) {
        page_error('buses: ' + buses.error.reason + (buses.error.status === 401 ? ' (open the page with ?token=...)' : ''));
        return;
    }
    if (buses.value.length === 0) {
        page_error('the simulator serves no bus');
        return;
    }
    const select = $('bus-select');
    select.replaceChildren(...buses.value.map((b) => new Option(`${b.name} (${b.meters})`, b.name)));
    $('bus-picker').hidden = buses.value.length < 2;
    $('bus-name').hidden = buses.value.length >= 2;
    select.addEventListener('change', () => open_bus(select.value, buses.value));
    load_fault_kinds();
    await open_bus(buses.value[0].name, buses.value);
}

// ---- controls ------------------------------------------------------------------------------------

$('meters').tBodies[0].addEventListener('click', (e) => {
    const row = e.target.closest('tr[data-meter]');
    if (row) select_meter(row.dataset.meter);
});
$('meters').tBodies[0].addEventListener('keydown', (e) => {
    const row = e.target.closest('tr[data-meter]');
    if (row && (e.key === 'Enter' || e.key === ' ')) {
        e.preventDefault();
        select_meter(row.dataset.meter);
    }
});
$('presence-button').addEventListener('click', () => {
    const m = state.meters.get(state.selected);
    if (m) meter_action('presence', { present: !m.present });
});
$('power-cycle-button').addEventListener('click', () => meter_action('power-cycle'));
$('fault-kind').addEventListener('change', build_fault_parameters);
$('add-fault-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const form = e.target;
    const res = await call('POST', `${bus_path()}/faults`, fault_body(form));
    show_error(form.querySelector('.control-error'), res.ok ? null : res.error);
    if (res.ok) {
        form.elements.name.value = '';
        load_faults();
    }
});
$('add-meter-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const form = e.target;
    const body = { name: form.elements.name.value.trim(), model: form.elements.model.value.trim() };
    if (form.elements.address.value !== '') body.address = Number(form.elements.address.value);
    if (form.elements.id.value.trim()) body.id = form.elements.id.value.trim();
    const res = await call('POST', `${bus_path()}/meters`, body);
    show_error(form.querySelector('.control-error'), res.ok ? null : res.error);
    if (res.ok) {
        form.reset();
        update_meter(res.value);
    }
});
$('transcript-link').addEventListener('click', async (e) => {
    e.preventDefault();
    const res = await download(`/buses/${seg(state.bus)}/transcript?since=0`, `${state.bus}-transcript.jsonl`);
    if (!res.ok) page_error('transcript: ' + res.error.reason);
});
// The chart moves with time even when no value changes, and the open meter's generated values move
// even when no master reads it.
setInterval(() => {
    if (state.selected) refetch(state.selected);
    draw_chart();
}, 5000);
window.addEventListener('resize', throttle(draw_chart, 200));

start();
