// A line chart of one record's values over the last minutes, drawn by hand on a canvas.

export const window_seconds = 10 * 60;

// history: [[ms since epoch, number], ...] in time order.
export function draw(canvas, history, label) {
    const ratio = window.devicePixelRatio || 1;
    const css_width = canvas.clientWidth || canvas.width;
    const css_height = canvas.clientHeight || canvas.height;
    // Drawn at the screen's resolution so that the lines stay sharp on a tablet.
    if (canvas.width !== Math.round(css_width * ratio) || canvas.height !== Math.round(css_height * ratio)) {
        canvas.width = Math.round(css_width * ratio);
        canvas.height = Math.round(css_height * ratio);
    }
    const g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    const style = getComputedStyle(canvas);
    const ink = style.color || '#222';
    const line = style.getPropertyValue('--chart-line').trim() || '#1565c0';
    const grid = style.getPropertyValue('--chart-grid').trim() || '#ddd';
    g.clearRect(0, 0, css_width, css_height);
    g.font = '11px system-ui, sans-serif';
    g.fillStyle = ink;

    const now = Date.now();
    const points = history.filter(([t]) => t >= now - window_seconds * 1000);
    if (points.length === 0) {
        g.fillText('no values yet', 8, 16);
        return;
    }
    let lo = Math.min(...points.map((p) => p[1]));
    let hi = Math.max(...points.map((p) => p[1]));
    if (lo === hi) {
        lo -= 1;
        hi += 1;
    }
    const left = 56, right = 8, top = 18, bottom = 18;
    const w = css_width - left - right, h = css_height - top - bottom;
    const x = (t) => left + ((t - (now - window_seconds * 1000)) / (window_seconds * 1000)) * w;
    const y = (v) => top + (1 - (v - lo) / (hi - lo)) * h;

    g.strokeStyle = grid;
    g.lineWidth = 1;
    g.beginPath();
    for (let i = 0; i <= 4; ++i) {
        const yy = Math.round(top + (i * h) / 4) + 0.5;
        g.moveTo(left, yy);
        g.lineTo(left + w, yy);
        g.fillText(format(hi - ((hi - lo) * i) / 4), 2, yy + 4);
    }
    for (let m = 0; m <= window_seconds / 60; m += 2) {
        const xx = Math.round(x(now - m * 60000)) + 0.5;
        g.moveTo(xx, top);
        g.lineTo(xx, top + h);
        g.fillText(m === 0 ? 'now' : `-${m} min`, xx - 14, css_height - 4);
    }
    g.stroke();

    g.strokeStyle = line;
    g.lineWidth = 2;
    g.beginPath();
    points.forEach(([t, v], i) => {
        // Values hold until they change: steps, not slopes.
        if (i === 0) g.moveTo(x(t), y(v));
        else {
            g.lineTo(x(t), y(points[i - 1][1]));
            g.lineTo(x(t), y(v));
        }
    });
    g.lineTo(x(now), y(points[points.length - 1][1]));
    g.stroke();
    g.fillText(label, left + 4, 12);
}

function format(v) {
    const a = Math.abs(v);
    if (a >= 1e6 || (a > 0 && a < 1e-3)) return v.toExponential(2);
    return String(Math.round(v * 1000) / 1000);
}
