// The traffic view: the bus's stream over a WebSocket, one row per transcript record, filters, pause,
// clear, the hex of a row on demand, and reconnection when the stream drops.

import { stream_url } from './api.js';

const max_rows = 3000;    // older rows go: the transcript download has everything
const max_paused = 20000; // records kept while paused; beyond that they are counted as missed

export class traffic {
    constructor(elements, on_record, on_state) {
        this.el = elements;
        this.on_record = on_record; // every record, paused or not: the meters stay live
        this.on_state = on_state;
        this.entries = [];
        this.pending = new Map(); // session -> the request entry waiting for its answer
        this.paused = false;
        this.held = [];
        this.missed_while_paused = 0;
        this.bus = null;
        this.socket = null;
        this.retry_ms = 500;
        this.retry_timer = null;
        this.ever_opened = false; // this bus's stream was live before: an open is a reconnection
        this.requests_seen = new Set();
        this.fresh = []; // rendered rows not yet in the page
        this.flush_timer = null;
        this.el.pause.addEventListener('click', () => this.set_paused(!this.paused));
        this.el.clear.addEventListener('click', () => this.clear());
        for (const f of [this.el.filter_meter, this.el.filter_kind, this.el.filter_request])
            f.addEventListener('change', () => this.refilter());
        this.el.body.addEventListener('click', (e) => {
            const row = e.target.closest('tr.record');
            if (row) this.toggle_hex(row);
        });
        this.el.body.addEventListener('keydown', (e) => {
            const row = e.target.closest('tr.record');
            if (row && (e.key === 'Enter' || e.key === ' ')) {
                e.preventDefault();
                this.toggle_hex(row);
            }
        });
    }

    connect(bus) {
        this.bus = bus;
        this.ever_opened = false;
        this.retry_ms = 500;
        this.open();
    }

    open() {
        clearTimeout(this.retry_timer);
        if (this.socket) {
            this.socket.onclose = null;
            this.socket.onmessage = null;
            this.socket.close();
        }
        const bus = this.bus;
        const socket = new WebSocket(stream_url(bus));
        this.socket = socket;
        this.on_state('connecting', 'stream: connecting');
        let opened = false;
        socket.onopen = () => {
            opened = true;
            this.retry_ms = 500;
            this.on_state('open', 'stream: live', this.ever_opened);
            this.ever_opened = true;
        };
        // A message holds one record or several, one JSON object per line (docs/http-api.md).
        socket.onmessage = (m) => {
            for (const line of String(m.data).split('\n')) {
                if (line === '') continue;
                let record;
                try {
                    record = JSON.parse(line);
                } catch (_) {
                    continue; // one bad line does not stop the view
                }
                this.receive(record);
            }
        };
        socket.onclose = () => {
            if (this.socket !== socket) return;
            // The simulator restarted or the network dropped: try again, less and less often.
            const wait = this.retry_ms;
            this.retry_ms = Math.min(this.retry_ms * 2, 8000);
            this.on_state('closed', `stream: ${opened ? 'lost' : 'unreachable'}, retrying in ${Math.round(wait / 100) / 10} s`);
            if (opened) this.add_marker('the stream was interrupted; the transcript download has every record');
            this.retry_timer = setTimeout(() => this.open(), wait);
        };
    }

    receive(record) {
        this.on_record(record);
        if (this.paused) {
            if (this.held.length < max_paused) this.held.push(record);
            else ++this.missed_while_paused;
            this.el.paused_note.textContent = `paused: ${this.held.length + this.missed_while_paused} new records`;
            return;
        }
        this.show(record);
    }

    set_paused(paused) {
        this.paused = paused;
        this.el.pause.textContent = paused ? 'resume' : 'pause';
        this.el.pause.setAttribute('aria-pressed', String(paused));
        if (paused) {
            this.el.paused_note.textContent = 'paused';
            return;
        }
        const held = this.held;
        this.held = [];
        for (const r of held) this.show(r);
        if (this.missed_while_paused > 0)
            this.add_marker(`${this.missed_while_paused} records arrived while paused and are not shown`);
        this.missed_while_paused = 0;
        this.el.paused_note.textContent = '';
    }

    clear() {
        this.entries = [];
        this.fresh = [];
        this.pending.clear();
        this.held = [];
        this.missed_while_paused = 0;
        this.el.body.replaceChildren();
        this.count();
        if (this.paused) this.el.paused_note.textContent = 'paused';
    }

    add_marker(text) {
        this.show({ kind: 'note', summary: text });
    }

    show(record) {
        const entry = { record, meters: record.meters || [], row: null, hex_row: null };
        if (record.kind === 'request') {
            this.pending.set(record.session, entry);
            this.note_request_kind(record.request);
        } else if (record.kind === 'reply' || record.kind === 'silence') {
            // The request before it in the same session took the answer's meters, so that filtering
            // by meter keeps the request with its answer.
            const request = this.pending.get(record.session);
            if (request) {
                request.meters = entry.meters;
                this.pending.delete(record.session);
                if (request.row) {
                    request.row.querySelector('.meters').textContent = entry.meters.join(' ');
                    this.apply_filter(request);
                }
            }
        }
        entry.row = this.render(entry);
        this.entries.push(entry);
        this.apply_filter(entry);
        this.fresh.push(entry);
        // Rows reach the page in batches: one layout per batch, not one per record, so that the view
        // keeps up with a busy bus.
        if (!this.flush_timer) this.flush_timer = setTimeout(() => this.flush(), 40);
    }

    flush() {
        this.flush_timer = null;
        const scroll = this.el.scroll;
        const at_bottom = scroll.scrollHeight - scroll.scrollTop - scroll.clientHeight < 40;
        const rows = document.createDocumentFragment();
        for (const e of this.fresh) if (e.row) rows.append(e.row);
        this.fresh = [];
        this.el.body.append(rows);
        if (this.entries.length > max_rows) {
            for (const old of this.entries.splice(0, this.entries.length - max_rows)) {
                old.row.remove();
                if (old.hex_row) old.hex_row.remove();
                old.row = null;
            }
        }
        if (at_bottom) scroll.scrollTop = scroll.scrollHeight;
        this.count();
    }

    render(entry) {
        const r = entry.record;
        const row = document.createElement('tr');
        row.className = 'record kind-' + r.kind;
        if (r.seq !== undefined) row.dataset.seq = r.seq;
        row.dataset.kind = r.kind;
        if (r.request) row.dataset.request = r.request;
        const marks = [];
        if (r.collision) marks.push(['collision', 'collision']);
        if (r.repeated) marks.push(['repeated', 'repeated']);
        if (r.more_follows) marks.push(['more', 'more follows']);
        for (const f of r.injected || []) marks.push(['injected', 'injected: ' + f]);
        if (r.kind === 'dropped') marks.push(['dropped', 'dropped']);
        if (marks.length) row.classList.add('marked');
        let what = r.summary || '';
        if (r.kind === 'dropped') what = `dropped ${r.count} records: this page read the stream too slowly`;
        const cells = [
            r.seq ?? '',
            r.t !== undefined ? r.t.toFixed(3) : '',
            r.kind,
            r.request || '',
            what,
            (entry.meters || []).join(' '),
        ];
        const classes = ['seq', 't', 'kind', 'request', 'what', 'meters'];
        cells.forEach((text, i) => {
            const td = document.createElement('td');
            td.className = classes[i];
            td.textContent = String(text);
            row.append(td);
        });
        const td = document.createElement('td');
        td.className = 'marks';
        for (const [cls, text] of marks) {
            const span = document.createElement('span');
            span.className = 'mark mark-' + cls;
            span.textContent = text;
            td.append(span);
        }
        row.append(td);
        if (r.hex) {
            row.tabIndex = 0;
            row.title = 'show the bytes';
            row.classList.add('has-hex');
        }
        entry.row = row;
        row.entry = entry;
        return row;
    }

    toggle_hex(row) {
        const entry = row.entry;
        if (!entry || !entry.record.hex) return;
        if (entry.hex_row) {
            entry.hex_row.remove();
            entry.hex_row = null;
            row.classList.remove('open');
            return;
        }
        const hex_row = document.createElement('tr');
        hex_row.className = 'hex-row';
        const td = document.createElement('td');
        td.colSpan = 7;
        const code = document.createElement('code');
        code.textContent = entry.record.hex.replace(/(..)/g, '$1 ').trim();
        td.append(code);
        hex_row.append(td);
        hex_row.hidden = row.hidden;
        row.after(hex_row);
        entry.hex_row = hex_row;
        row.classList.add('open');
    }

    note_request_kind(kind) {
        if (!kind || this.requests_seen.has(kind)) return;
        this.requests_seen.add(kind);
        const option = document.createElement('option');
        option.value = kind;
        option.textContent = kind;
        this.el.filter_request.append(option);
    }

    set_meters(names) {
        const select = this.el.filter_meter;
        // Rebuilt only when the meters changed: a list open in the user's hand stays as it is.
        if ([...select.options].slice(1).map((o) => o.value).join('\n') === names.join('\n')) return;
        const chosen = select.value;
        select.replaceChildren(new Option('all', ''));
        for (const n of names) select.append(new Option(n, n));
        select.value = names.includes(chosen) ? chosen : '';
    }

    matches(entry) {
        const r = entry.record;
        if (r.kind === 'note' || r.kind === 'dropped') return true;
        const kind = this.el.filter_kind.value;
        if (kind === 'marked') {
            if (!(r.collision || r.repeated || (r.injected && r.injected.length))) return false;
        } else if (kind && r.kind !== kind) return false;
        const request = this.el.filter_request.value;
        if (request && r.request !== request) return false;
        const meter = this.el.filter_meter.value;
        if (meter) {
            if (r.kind === 'event' || r.kind === 'junk') return (r.summary || '').includes(meter);
            if (!entry.meters.includes(meter)) return false;
        }
        return true;
    }

    apply_filter(entry) {
        const hide = !this.matches(entry);
        entry.row.hidden = hide;
        if (entry.hex_row) entry.hex_row.hidden = hide;
    }

    refilter() {
        for (const e of this.entries) this.apply_filter(e);
        this.count();
    }

    count() {
        const shown = this.entries.filter((e) => !e.row.hidden).length;
        this.el.count.textContent = shown === this.entries.length ? `(${shown})` : `(${shown} of ${this.entries.length})`;
    }
}
