// strata report: draws the page from the embedded data block. Every string from the archive
// (names, commands, labels) is set with textContent or drawn on a canvas; nothing is parsed
// as markup. No network: the data is inline, base64(gzip(json)).
'use strict';

// ---------- small helpers ----------

// h creates an element; props: class, text, title, on*, data-*, other attributes; kids are
// nodes or strings (strings become text nodes).
function h(tag, props, ...kids) {
  const e = document.createElement(tag);
  setProps(e, props);
  for (const c of kids.flat()) {
    if (c == null || c === false) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

const SVGNS = 'http://www.w3.org/2000/svg';

function s(tag, props, ...kids) {
  const e = document.createElementNS(SVGNS, tag);
  setProps(e, props);
  for (const c of kids.flat()) {
    if (c == null || c === false) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

function setProps(e, props) {
  if (!props) return;
  for (const k of Object.keys(props)) {
    const v = props[k];
    if (v == null || v === false) continue;
    if (k === 'class') e.setAttribute('class', v);
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

// bytes formats n as every strata output does (internal/units.Size: decimal units, 4
// significant digits, no space: "204.9kB").
function bytes(n) {
  let u = 0;
  let v = n;
  while (v >= 1000 && u < UNITS.length - 1) { v /= 1000; u++; }
  return String(Number(v.toPrecision(4))) + UNITS[u];
}

// commas writes an integer with thousands separators (toLocaleString is slow per call).
function commas(n) {
  const neg = n < 0;
  let str = String(Math.abs(n));
  for (let i = str.length - 3; i > 0; i -= 3) str = str.slice(0, i) + ',' + str.slice(i);
  return neg ? '−' + str : str;
}

function exact(n) { return commas(n) + ' bytes'; }

function pct(f) { return (f * 100).toFixed(f >= 0.9995 || f <= 0.0005 ? 0 : 1) + ' %'; }

function modeString(type, mode) {
  const t = { dir: 'd', symlink: 'l', hardlink: 'h', char: 'c', block: 'b', fifo: 'p' }[type] || '-';
  const r = 'rwxrwxrwx';
  let out = t;
  for (let i = 0; i < 9; i++) out += (mode & (1 << (8 - i))) ? r[i] : '-';
  if (mode & 0o4000) out = out.slice(0, 3) + (out[3] === 'x' ? 's' : 'S') + out.slice(4);
  if (mode & 0o2000) out = out.slice(0, 6) + (out[6] === 'x' ? 's' : 'S') + out.slice(7);
  if (mode & 0o1000) out = out.slice(0, 9) + (out[9] === 'x' ? 't' : 'T');
  return out;
}

function short(digest) {
  if (!digest) return '';
  const i = digest.indexOf(':');
  return digest.slice(i + 1, i + 13);
}

function clip(str, n) { return str.length > n ? str.slice(0, n - 1) + '…' : str; }

function layerColor(i) {
  if (i < 0) return '#9aa0a6';
  return 'hsl(' + ((i * 137.508 + 200) % 360).toFixed(1) + ', 55%, 62%)';
}

function section(id, title, ...kids) {
  return h('section', { id, class: 'card' }, h('h2', { text: title }), ...kids);
}

function kv(rows) {
  const t = h('table', { class: 'kv' });
  for (const [k, v] of rows) {
    if (v == null || v === '') continue;
    t.append(h('tr', null, h('th', { text: k }), h('td', null, v)));
  }
  return t;
}

// ---------- virtualized list ----------

// VList shows count rows of a fixed height in a scrolling viewport: only the visible window
// plus overscan exists in the DOM, redrawn in requestAnimationFrame on scroll.
class VList {
  constructor(viewport, rowHeight, makeRow, fillRow) {
    this.vp = viewport;
    this.rh = rowHeight;
    this.makeRow = makeRow;
    this.fillRow = fillRow;
    this.count = 0;
    this.overscan = 10;
    this.pool = [];
    this.spacer = h('div', { class: 'vspacer' });
    this.layer = h('div', { class: 'vrows' });
    this.vp.replaceChildren(this.spacer, this.layer);
    this.pending = false;
    this.vp.addEventListener('scroll', () => this.schedule(), { passive: true });
    if (window.ResizeObserver) new ResizeObserver(() => this.schedule()).observe(this.vp);
  }
  setCount(n) {
    this.count = n;
    this.spacer.style.height = (n * this.rh) + 'px';
    this.draw();
  }
  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; this.draw(); });
  }
  refresh() { this.draw(); }
  draw() {
    const top = this.vp.scrollTop;
    const height = this.vp.clientHeight || 400;
    const first = Math.max(0, Math.floor(top / this.rh) - this.overscan);
    const last = Math.min(this.count, Math.ceil((top + height) / this.rh) + this.overscan);
    const want = Math.max(0, last - first);
    while (this.pool.length < want) {
      const el = this.makeRow();
      el.style.height = this.rh + 'px';
      this.pool.push(el);
      this.layer.append(el);
    }
    while (this.pool.length > want) this.pool.pop().remove();
    for (let k = 0; k < want; k++) {
      const el = this.pool[k];
      const i = first + k;
      el.style.transform = 'translateY(' + (i * this.rh) + 'px)';
      el.dataset.index = i;
      this.fillRow(i, el);
    }
  }
  scrollTo(i) {
    const top = i * this.rh;
    const h = this.vp.clientHeight;
    if (top < this.vp.scrollTop || top + this.rh > this.vp.scrollTop + h) {
      this.vp.scrollTop = Math.max(0, top - h / 3);
    }
    this.draw();
  }
}

// vtable is a table of rows (arrays of strings or nodes) with fixed-height rows, virtualized.
function vtable(columns, rows, opts) {
  opts = opts || {};
  const wrap = h('div', { class: 'vtable' + (opts.cls ? ' ' + opts.cls : '') });
  const tmpl = columns.map(c => c.w || '1fr').join(' ');
  const head = h('div', { class: 'vhead' }, columns.map(c => h('span', { text: c.name, class: c.cls })));
  head.style.gridTemplateColumns = tmpl;
  const vp = h('div', { class: 'viewport' });
  const rh = 22;
  vp.style.height = Math.min(Math.max(rows.length, 1) * rh + 2, opts.height || 360) + 'px';
  wrap.append(head, vp);
  let shown = rows;
  const list = new VList(vp, rh, () => {
    const el = h('div', { class: 'vrow' });
    el.style.gridTemplateColumns = tmpl;
    for (const c of columns) el.append(h('span', { class: c.cls }));
    return el;
  }, (i, el) => {
    const r = shown[i];
    for (let k = 0; k < columns.length; k++) {
      const cell = el.children[k];
      const v = r.cells[k];
      cell.textContent = v == null ? '' : String(v);
      cell.title = r.titles && r.titles[k] ? r.titles[k] : cell.textContent;
    }
    el.className = 'vrow' + (r.cls ? ' ' + r.cls : '');
    el.onclick = r.onclick || null;
  });
  list.setCount(rows.length);
  vp.dataset.rows = rows.length;
  if (!rows.length) wrap.append(h('p', { class: 'empty', text: opts.empty || 'none' }));
  wrap.filter = (pred) => {
    shown = pred ? rows.filter(pred) : rows;
    list.setCount(shown.length);
    vp.dataset.rows = shown.length;
    vp.scrollTop = 0;
    list.draw();
    return shown.length;
  };
  return wrap;
}

// ---------- glob and search ----------

function globRegExp(pat) {
  let re = '';
  for (let i = 0; i < pat.length; i++) {
    const c = pat[i];
    if (c === '*') {
      if (pat[i + 1] === '*') { re += '.*'; i++; } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const j = pat.indexOf(']', i + 1);
      if (j < 0) { re += '\\['; continue; }
      let cls = pat.slice(i + 1, j).replace(/\\/g, '\\\\');
      if (cls[0] === '!') cls = '^' + cls.slice(1);
      re += '[' + cls + ']';
      i = j;
    } else re += c.replace(/[.+^${}()|\\\/-]/g, '\\$&');
  }
  return new RegExp('^' + re + '$', 'i');
}

// matcher returns {test(name, pathFn), onPath} for a query, or null for an empty one: a
// glob when it has * ? or [, else a case-insensitive substring; on the full path when it
// has a slash, else on the name.
function matcher(q) {
  q = q.trim();
  if (!q) return null;
  const glob = /[*?[]/.test(q);
  const onPath = q.includes('/');
  let test;
  if (glob) {
    const re = globRegExp(onPath && q[0] !== '/' ? '**/' + q : q);
    test = onPath ? (name, path) => re.test(path()) : (name) => re.test(name);
  } else {
    const lq = q.toLowerCase();
    test = onPath ? (name, path) => path().toLowerCase().includes(lq) : (name) => name.toLowerCase().includes(lq);
  }
  return { test, onPath };
}

// ---------- tree model ----------

const MARKS = ['', 'A', 'M', 'D'];

class TreeModel {
  constructor(t, layers) {
    this.t = t;
    this.layers = layers;
    const n = t.names.length;
    this.n = n;
    this.parent = Int32Array.from(t.parent);
    this.end = new Int32Array(n);
    this.depth = new Int32Array(n);
    this.vstart = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) {
      this.end[i] = i + 1;
      this.vstart[i + 1] = this.vstart[i] + t.vcount[i];
      if (i > 0) this.depth[i] = this.depth[this.parent[i]] + 1;
    }
    for (let i = n - 1; i > 0; i--) {
      const p = this.parent[i];
      if (this.end[i] > this.end[p]) this.end[p] = this.end[i];
    }
    this.vfrom = Int32Array.from(t.vfrom);
    this.vto = Int32Array.from(t.vto);
    this.vlayer = Int32Array.from(t.vlayer);
    this.vsize = Float64Array.from(t.vsize);
    this.isDirV = Uint8Array.from(t.vtype, x => x === 'dir' ? 1 : 0);
    this.vtypeFile = Uint8Array.from(t.vtype, x => x === 'file' ? 1 : 0);
    this.vinode = Int32Array.from(t.vinode || []);
    this.sensitive = new Uint8Array(n);
    for (const i of t.sensitive) this.sensitive[i] = 1;
    this.markCache = new Map();
    this.sizeCache = new Map();
    this.paths = null;
  }
  // at is the version node i shows as of layer, or -1.
  at(i, layer) {
    for (let k = this.vstart[i]; k < this.vstart[i + 1]; k++) {
      if (this.vfrom[k] <= layer && layer < this.vto[k]) return k;
    }
    return -1;
  }
  marks(layer) {
    let m = this.markCache.get(layer);
    if (m) return m;
    m = new Uint8Array(this.n);
    const ch = this.t.changes[layer] || [];
    const letters = this.t.marks[layer] || '';
    for (let k = 0; k < ch.length; k++) m[ch[k]] = MARKS.indexOf(letters[k]);
    this.markCache.set(layer, m);
    return m;
  }
  // shown is the version a view shows at node i as of layer: the visible one, or the one
  // the layer removed; -1 when absent.
  shown(i, layer) {
    const k = this.at(i, layer);
    if (k >= 0) return k;
    if (layer > 0 && this.marks(layer)[i] === 3) return this.at(i, layer - 1);
    return -1;
  }
  isDir(i, k) { return k >= 0 ? this.isDirV[k] === 1 : this.end[i] > i + 1; }
  // sizes are the bytes at or below each node as of layer, an inode counted once as
  // explore.Index.Sizes (and files --tree) count it: a hardlink counts nothing when the
  // file it shares an inode with is visible, else the first such link in path order counts.
  sizes(layer) {
    let sz = this.sizeCache.get(layer);
    if (sz) return sz;
    sz = new Float64Array(this.n);
    const counted = new Set();
    for (let i = 1; i < this.n; i++) {
      const k = this.at(i, layer);
      if (k < 0) continue;
      let own = this.vsize[k];
      const t = this.vinode[k];
      if (own > 0 && t >= 0) {
        if (this.vtypeFile[t] && this.vfrom[t] <= layer && layer < this.vto[t]) own = 0;
        else if (counted.has(t)) own = 0;
        else counted.add(t);
      }
      sz[i] = own;
    }
    for (let i = this.n - 1; i > 0; i--) sz[this.parent[i]] += sz[i];
    this.sizeCache.set(layer, sz);
    return sz;
  }
  path(i) {
    if (this.paths) return this.paths[i];
    if (i === 0) return '/';
    const parts = [];
    for (; i > 0; i = this.parent[i]) parts.push(this.t.names[i]);
    return '/' + parts.reverse().join('/');
  }
  allPaths() {
    if (!this.paths) {
      const p = new Array(this.n);
      p[0] = '/';
      for (let i = 1; i < this.n; i++) p[i] = (this.parent[i] === 0 ? '' : p[this.parent[i]]) + '/' + this.t.names[i];
      this.paths = p;
    }
    return this.paths;
  }
  children(i) {
    const out = [];
    for (let c = i + 1; c < this.end[i]; c = this.end[c]) out.push(c);
    return out;
  }
}

// ---------- header ----------

function identity(r) {
  if (r.repo_tags && r.repo_tags.length) return r.repo_tags.join(', ');
  if (r.id) return r.id.slice(0, 19);
  return r.source.path || 'root filesystem';
}

function header(img, label) {
  const r = img.inspect;
  const ver = r.verify
    ? h('span', { class: 'ok', text: '✔ verified: config digest and ' + r.verify.layers.length + ' layer diff_id' + (r.verify.layers.length === 1 ? '' : 's') + ' and blob digests recomputed' })
    : h('span', { class: 'muted', text: r.source.format === 'rootfs' ? 'a root filesystem claims no digests' : 'not verified (strata report --verify recomputes every digest)' });
  const nSensitive = countSensitive(r);
  const stats = h('div', { class: 'stats' },
    stat('size', bytes(r.size), exact(r.size)),
    stat('layers', String(r.layers.length)),
    stat('files', commas(r.files)),
    stat('efficiency', pct(r.efficiency), 'shipped bytes the final filesystem shows'),
    stat('wasted', bytes(r.wasted_bytes), exact(r.wasted_bytes) + ' shipped but hidden by a later layer', r.wasted_bytes > 0 ? 'bad' : ''),
    stat('sensitive', String(nSensitive), 'hidden or wasted paths whose names look like secrets', nSensitive ? 'bad' : ''));
  const plat = [r.os, r.architecture, r.variant].filter(Boolean).join('/');
  const info = kv([
    ['image ID', r.id || '(none: root filesystem)'],
    ['digest', r.digest],
    ['tags', (r.repo_tags || []).join(', ') || '(untagged)'],
    ['source', r.source.path + ' (' + r.source.format + (r.source.compression && r.source.compression !== 'none' ? ', ' + r.source.compression : '') + ')'],
    ['created', r.created || ''],
    ['platform', plat],
    ['verification', ver],
  ]);
  const warn = [];
  if (r.escaping_paths && r.escaping_paths.length) {
    warn.push(h('p', { class: 'warn', text: r.escaping_paths.length + ' entr' + (r.escaping_paths.length === 1 ? 'y climbs' : 'ies climb') + ' out of the root with "..": shown clamped at the root; an extracting tool might write outside its target.' }));
  }
  return h('header', { class: 'card head' },
    h('h1', null, label ? h('span', { class: 'muted', text: label + ' ' }) : null, h('span', { class: 'ident', text: identity(r) })),
    stats, info, warn);
}

// countSensitive counts the secret-looking paths among the hidden entries and the waste.
function countSensitive(r) {
  const paths = new Set();
  for (const x of r.hidden) if (x.sensitive) paths.add(x.path);
  for (const w of r.wasted) if (w.sensitive) paths.add(w.path);
  return paths.size;
}

function stat(name, value, title, cls) {
  return h('div', { class: 'stat ' + (cls || ''), title: title || value, 'data-stat': name },
    h('div', { class: 'v', text: value }), h('div', { class: 'k', text: name }));
}

// ---------- layer chart ----------

function layerChart(img, model, onPick) {
  const r = img.inspect;
  const n = r.layers.length;
  const rowH = 28;
  const W = 1000;
  const labelW = 70;
  const textW = 330;
  const barW = W - labelW - textW;
  const max = Math.max(1, ...r.layers.map(l => l.size));
  const svg = s('svg', { class: 'layers', viewBox: '0 0 ' + W + ' ' + (n * rowH + 4), width: '100%', role: 'img', 'aria-label': 'bytes added per layer' });
  r.layers.forEach((l, i) => {
    const y = i * rowH + 2;
    const w = l.size > 0 ? Math.max(2, barW * l.size / max) : 0;
    const ww = l.wasted_bytes > 0 ? Math.max(2, barW * l.wasted_bytes / max) : 0;
    const counts = model ? countMarks(model, i) : null;
    const tip = (l.created_by || '(no history)') + '\n\n' + exact(l.size) + ' added' +
      (l.wasted_bytes ? ', ' + exact(l.wasted_bytes) + ' of them hidden by a later layer' : '') +
      (counts ? '\n' + counts : '') + '\n' + l.diff_id;
    const g = s('g', {
      class: 'bar', 'data-layer': i, 'data-size': l.size, 'data-wasted': l.wasted_bytes,
      tabindex: 0, role: 'button', onclick: () => onPick(i),
      onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); onPick(i); } },
    },
      s('title', { text: tip }),
      s('rect', { class: 'hit', x: 0, y, width: W, height: rowH - 4 }),
      s('text', { class: 'lbl', x: 4, y: y + 16, text: '#' + i }),
      s('rect', { class: 'added', x: labelW, y: y + 2, width: w, height: rowH - 8, fill: layerColor(i) }),
      ww ? s('rect', { class: 'wasted', x: labelW + w - ww, y: y + 2, width: ww, height: rowH - 8 }) : null,
      s('text', { class: 'size', x: labelW + barW + 8, y: y + 16, text: sizeText(l) + '  ' + clip(l.created_by || '', Math.max(8, Math.floor((textW - 8) / 7.9) - sizeText(l).length - 2)) }));
    svg.append(g);
  });
  return section('layers', 'Layers',
    h('p', { class: 'muted', text: 'Bytes each layer adds; the red part is what a later layer hides (still shipped). Hover for the command, click for the layer\'s changes.' }),
    svg);
}

function sizeText(l) { return bytes(l.size) + (l.wasted_bytes ? ' (' + bytes(l.wasted_bytes) + ' wasted)' : ''); }

function countMarks(model, layer) {
  const letters = model.t.marks[layer] || '';
  let a = 0, m = 0, d = 0;
  for (const c of letters) { if (c === 'A') a++; else if (c === 'M') m++; else if (c === 'D') d++; }
  return a + ' added, ' + m + ' modified, ' + d + ' removed';
}

// ---------- treemap ----------

function squarify(values, x, y, w, h, out) {
  let total = 0;
  for (const v of values) total += v;
  if (total <= 0 || w <= 0 || h <= 0) return;
  const scale = (w * h) / total;
  const areas = values.map(v => v * scale);
  let i = 0;
  const worst = (sum, min, max, side) => Math.max(side * side * max / (sum * sum), (sum * sum) / (side * side * min));
  while (i < areas.length) {
    const side = Math.min(w, h);
    let j = i, sum = 0, min = Infinity, max = 0, prev = Infinity;
    while (j < areas.length) {
      const a = areas[j];
      const ns = sum + a, nmin = Math.min(min, a), nmax = Math.max(max, a);
      const wv = worst(ns, nmin, nmax, side);
      if (j > i && wv > prev) break;
      sum = ns; min = nmin; max = nmax; prev = wv; j++;
    }
    if (w >= h) {
      const cw = sum / h;
      let yy = y;
      for (let k = i; k < j; k++) { const hh = areas[k] / cw; out.push([x, yy, cw, hh]); yy += hh; }
      x += cw; w -= cw;
    } else {
      const rh = sum / w;
      let xx = x;
      for (let k = i; k < j; k++) { const ww = areas[k] / rh; out.push([xx, y, ww, rh]); xx += ww; }
      y += rh; h -= rh;
    }
    i = j;
  }
}

const TOP_N = 40;

function treemap(img, model, onReveal) {
  const r = img.inspect;
  const t = img.tree;
  const L = r.layers.length - 1;
  const n = model.n;
  const live = model.sizes(L);
  // Waste per node: what inspect counted at that path (a grouped row counts at its directory).
  const own = new Float64Array(n);
  r.wasted.forEach((w, k) => { const i = t.waste_node[k]; if (i >= 0) own[i] += w.size; });
  const below = Float64Array.from(own);
  for (let i = n - 1; i > 0; i--) below[model.parent[i]] += below[i];
  const value = new Float64Array(n);
  for (let i = 0; i < n; i++) value[i] = live[i] + below[i];
  // The layer of each subtree's largest visible file colours a box too small to split.
  const bestSize = new Float64Array(n).fill(-1);
  const bestLayer = new Int32Array(n).fill(-1);
  const hasSensitive = new Uint8Array(n);
  for (let i = n - 1; i >= 0; i--) {
    const k = model.at(i, L);
    if (k >= 0 && !model.isDirV[k] && model.vsize[k] > bestSize[i]) { bestSize[i] = model.vsize[k]; bestLayer[i] = model.vlayer[k]; }
    if (model.sensitive[i]) hasSensitive[i] = 1;
    if (i > 0) {
      const p = model.parent[i];
      if (bestSize[i] > bestSize[p]) { bestSize[p] = bestSize[i]; bestLayer[p] = bestLayer[i]; }
      if (hasSensitive[i] && (model.at(i, L) >= 0 || below[i] > 0)) hasSensitive[p] = 1;
    }
  }
  const canvas = h('canvas', { class: 'treemap', height: 440, 'aria-label': 'treemap of the final filesystem by size' });
  const crumbs = h('nav', { class: 'crumbs' });
  const tip = h('div', { class: 'tip', hidden: true });
  const legend = h('div', { class: 'legend' },
    r.layers.map((l, i) => h('span', { class: 'key', title: l.created_by || '' }, h('i', { style: 'background:' + layerColor(i) }), '#' + i)),
    h('span', { class: 'key' }, h('i', { class: 'hatch' }), 'wasted / hidden (deleted or overwritten, still shipped)'),
    h('span', { class: 'key' }, h('i', { class: 'sens' }), 'sensitive name'),
    h('span', { class: 'key' }, h('i', { style: 'background:#c8c8c8' }), 'other (smaller items)'));
  const wrap = h('div', { class: 'tmwrap' }, canvas, tip);
  let cur = 0;
  let boxes = [];

  function present(c) { return model.at(c, L) >= 0 || below[c] > 0; }

  function items(d) {
    const kids = model.children(d).filter(c => present(c) && value[c] > 0);
    kids.sort((a, b) => value[b] - value[a]);
    const out = kids.slice(0, TOP_N).map(c => ({ node: c, v: value[c] }));
    if (kids.length > TOP_N) {
      let rest = 0;
      for (let k = TOP_N; k < kids.length; k++) rest += value[kids[k]];
      out.push({ other: kids.length - TOP_N, v: rest, parent: d });
    }
    if (own[d] > 0) out.push({ hiddenHere: d, v: own[d] });
    return out;
  }

  let hatch = null;
  function hatchPattern(ctx) {
    if (hatch) return hatch;
    const p = document.createElement('canvas');
    p.width = p.height = 8;
    const c = p.getContext('2d');
    c.fillStyle = '#f3c4c4'; c.fillRect(0, 0, 8, 8);
    c.strokeStyle = '#c0392b'; c.lineWidth = 2;
    c.beginPath(); c.moveTo(0, 8); c.lineTo(8, 0); c.moveTo(-2, 2); c.lineTo(2, -2); c.moveTo(6, 10); c.lineTo(10, 6); c.stroke();
    hatch = ctx.createPattern(p, 'repeat');
    return hatch;
  }

  function draw() {
    const dpr = window.devicePixelRatio || 1;
    const W = Math.max(200, canvas.parentElement.clientWidth);
    const H = 440;
    canvas.width = W * dpr; canvas.height = H * dpr;
    canvas.style.width = W + 'px'; canvas.style.height = H + 'px';
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'top';
    boxes = [];
    if (value[cur] <= 0) {
      ctx.fillStyle = '#666';
      ctx.fillText('no file bytes here', 8, 8);
    } else {
      drawDir(ctx, cur, 0, 0, W, H, 0);
    }
    canvas.dataset.dir = model.path(cur);
    canvas.dataset.boxes = boxes.length;
    // What was drawn where, for tests and tools: {x, y, w, h, node, kind, sensitive}.
    canvas.drawn = boxes.map(([x, y, w, h, it]) => ({
      x, y, w, h, node: it.node != null ? it.node : it.hiddenHere != null ? it.hiddenHere : -1,
      kind: it.other ? 'other' : it.hiddenHere != null ? 'hidden-below' : model.at(it.node, L) < 0 ? 'hidden' : 'live',
      sensitive: it.node != null && hasSensitive[it.node] === 1,
    }));
    crumbs.replaceChildren();
    const chain = [];
    for (let i = cur; i >= 0; i = i === 0 ? -1 : model.parent[i]) chain.unshift(i);
    chain.forEach((i, k) => {
      if (k) crumbs.append(h('span', { class: 'sep', text: ' / ' }));
      crumbs.append(h('button', { class: 'crumb', text: i === 0 ? '/' : t.names[i], onclick: () => { cur = i; draw(); } }));
    });
    crumbs.append(h('span', { class: 'muted', text: '  ' + bytes(live[cur]) + ' visible' + (below[cur] ? ', ' + bytes(below[cur]) + ' wasted' : '') }));
  }

  function box(ctx, x, y, w, h, fill, item) {
    ctx.fillStyle = fill;
    ctx.fillRect(x, y, w, h);
    if (w > 2 && h > 2) { ctx.strokeStyle = 'rgba(255,255,255,0.9)'; ctx.lineWidth = 1; ctx.strokeRect(x + 0.5, y + 0.5, w - 1, h - 1); }
    boxes.push([x, y, w, h, item]);
  }

  function label(ctx, x, y, w, h, text) {
    if (w < 30 || h < 14) return;
    ctx.fillStyle = '#111';
    ctx.save();
    ctx.beginPath(); ctx.rect(x + 1, y + 1, w - 2, h - 2); ctx.clip();
    ctx.fillText(text, x + 3, y + 2);
    ctx.restore();
  }

  function flag(ctx, x, y, w, h) {
    ctx.strokeStyle = '#e6a700'; ctx.lineWidth = 2;
    ctx.strokeRect(x + 1, y + 1, Math.max(0, w - 2), Math.max(0, h - 2));
  }

  function drawDir(ctx, d, x, y, w, h, depth) {
    const list = items(d);
    const rects = [];
    squarify(list.map(it => it.v), x, y, w, h, rects);
    list.forEach((it, k) => {
      const [bx, by, bw, bh] = rects[k];
      if (bw < 0.5 || bh < 0.5) return;
      if (it.other) {
        box(ctx, bx, by, bw, bh, '#c8c8c8', it);
        label(ctx, bx, by, bw, bh, it.other + ' more');
        return;
      }
      if (it.hiddenHere != null) {
        box(ctx, bx, by, bw, bh, hatchPattern(ctx), it);
        label(ctx, bx, by, bw, bh, 'hidden below ' + t.names[it.hiddenHere]);
        return;
      }
      drawNode(ctx, it.node, bx, by, bw, bh, depth + 1);
    });
  }

  function drawNode(ctx, c, x, y, w, h, depth) {
    const k = model.at(c, L);
    const gone = k < 0;
    const isDir = model.isDir(c, k >= 0 ? k : model.vstart[c + 1] - 1);
    const item = { node: c };
    if (gone) {
      box(ctx, x, y, w, h, hatchPattern(ctx), item);
      label(ctx, x, y, w, h, t.names[c] + ' (hidden)');
    } else if (isDir) {
      const canSplit = w > 24 && h > 28 && depth < 8;
      if (!canSplit) {
        box(ctx, x, y, w, h, layerColor(bestLayer[c]), item);
        label(ctx, x, y, w, h, t.names[c] + '/');
      } else {
        box(ctx, x, y, w, h, '#eef0f3', item);
        label(ctx, x, y, w, 16, t.names[c] + '/ ' + bytes(value[c]));
        drawDir(ctx, c, x + 2, y + 16, w - 4, h - 18, depth);
      }
    } else {
      box(ctx, x, y, w, h, layerColor(model.vlayer[k]), item);
      if (own[c] > 0 && value[c] > 0) {
        const f = own[c] / value[c];
        ctx.fillStyle = hatchPattern(ctx);
        if (w >= h) ctx.fillRect(x + w * (1 - f), y, w * f, h); else ctx.fillRect(x, y + h * (1 - f), w, h * f);
      }
      label(ctx, x, y, w, h, t.names[c]);
    }
    if (hasSensitive[c]) flag(ctx, x, y, w, h);
  }

  function hit(ev) {
    const rc = canvas.getBoundingClientRect();
    const x = ev.clientX - rc.left, y = ev.clientY - rc.top;
    for (let k = boxes.length - 1; k >= 0; k--) {
      const b = boxes[k];
      if (x >= b[0] && x < b[0] + b[2] && y >= b[1] && y < b[1] + b[3]) return b[4];
    }
    return null;
  }

  function describe(it) {
    if (it.other) return [it.other + ' smaller items in ' + model.path(it.parent), bytes(it.v)];
    if (it.hiddenHere != null) return ['hidden below ' + model.path(it.hiddenHere), bytes(it.v) + ' shipped in lower layers, hidden by a deletion or an opaque directory'];
    const c = it.node;
    const k = model.at(c, L);
    const lines = [model.path(c)];
    if (k < 0) lines.push('not in the final filesystem: deleted, still shipped');
    else lines.push((model.isDirV[k] ? 'directory' : t.vtype[k]) + ', ' + bytes(live[c]) + (model.vlayer[k] >= 0 ? ', from layer #' + model.vlayer[k] : ''));
    if (below[c] > 0) lines.push(bytes(below[c]) + ' wasted (hidden versions)');
    if (model.sensitive[c]) lines.push('⚠ the name looks like a secret');
    else if (hasSensitive[c]) lines.push('⚠ holds names that look like secrets');
    return lines;
  }

  canvas.addEventListener('mousemove', (ev) => {
    const it = hit(ev);
    if (!it) { tip.hidden = true; return; }
    tip.replaceChildren(...describe(it).map((line, i) => h('div', { class: i ? '' : 'b', text: line })));
    tip.hidden = false;
    const rc = wrap.getBoundingClientRect();
    tip.style.left = Math.min(ev.clientX - rc.left + 12, rc.width - 260) + 'px';
    tip.style.top = (ev.clientY - rc.top + 12) + 'px';
  });
  canvas.addEventListener('mouseleave', () => { tip.hidden = true; });
  canvas.addEventListener('click', (ev) => {
    const it = hit(ev);
    if (!it) return;
    if (it.other) { cur = it.parent; draw(); return; }
    const c = it.hiddenHere != null ? it.hiddenHere : it.node;
    const k = model.at(c, L);
    if (c !== cur && model.isDir(c, k >= 0 ? k : model.vstart[c + 1] - 1) && k >= 0) { cur = c; draw(); return; }
    // A deleted path is shown as of the last layer that had it.
    onReveal(c, k >= 0 ? L : Math.max(0, model.vto[model.vstart[c + 1] - 1] - 1));
  });
  const sec = section('treemap', 'Filesystem by size',
    h('p', { class: 'muted', text: 'The final filesystem, coloured by the layer that provides each file; click a directory to enter it, a file to show it in the explorer.' }),
    crumbs, wrap, legend);
  sec.draw = draw;
  if (window.ResizeObserver) {
    let lastW = 0;
    new ResizeObserver(() => { const w = wrap.clientWidth; if (w && w !== lastW) { lastW = w; draw(); } }).observe(wrap);
  }
  return sec;
}

// ---------- explorer ----------

function explorer(img, model) {
  const r = img.inspect;
  const t = img.tree;
  const n = model.n;
  const L = r.layers.length - 1;
  const expanded = new Uint8Array(n);
  expanded[0] = 1;
  const state = { layer: L, changes: false, match: null, keep: null, rows: new Int32Array(0), sel: -1 };
  const wasteByNode = new Map();
  r.wasted.forEach((w, k) => { const i = t.waste_node[k]; if (i >= 0) wasteByNode.set(i, (wasteByNode.get(i) || []).concat([w])); });

  const layerSel = h('select', { class: 'layer', 'aria-label': 'as of layer' },
    r.layers.map((l, i) => h('option', { value: i, text: '#' + i + ' ' + clip(l.created_by || '', 60) })));
  layerSel.value = String(L);
  const onlyChanges = h('input', { type: 'checkbox', class: 'changes' });
  const search = h('input', { type: 'search', class: 'search', placeholder: 'search names, or a glob: *.so, /etc/**/*.conf', 'aria-label': 'search' });
  const count = h('span', { class: 'count muted' });
  const vp = h('div', { class: 'viewport tree', tabindex: 0 });
  const detail = h('div', { class: 'detail muted', text: 'Select a row for its versions.' });
  const RH = 20;

  const list = new VList(vp, RH, () => h('div', { class: 'row' },
    h('span', { class: 'mark' }), h('span', { class: 'name' }, h('span', { class: 'tog' }), h('span', { class: 'nm' })),
    h('span', { class: 'sz' }), h('span', { class: 'md' }), h('span', { class: 'own' }), h('span', { class: 'ly' })),
  (ri, el) => fill(state.rows[ri], el));

  function fill(i, el) {
    const k = model.shown(i, state.layer);
    const mark = model.marks(state.layer)[i];
    const dir = model.isDir(i, k);
    const sz = model.sizes(state.layer);
    el.dataset.node = i;
    el.className = 'row' + (mark ? ' m' + MARKS[mark] : '') + (i === state.sel ? ' sel' : '') + (model.sensitive[i] ? ' sensitive' : '');
    const [markEl, nameEl, szEl, mdEl, ownEl, lyEl] = el.children;
    markEl.textContent = MARKS[mark];
    nameEl.style.paddingLeft = ((model.depth[i] - 1) * 14 + 2) + 'px';
    nameEl.children[0].textContent = dir ? (expanded[i] ? '▾' : '▸') : '';
    let name = t.names[i];
    if (k >= 0 && t.vlink[k] != null) name += (t.vtype[k] === 'symlink' ? ' → ' : ' ⇒ ') + t.vlink[k];
    if (model.sensitive[i]) name = '⚠ ' + name;
    nameEl.children[1].textContent = name;
    nameEl.title = model.path(i);
    szEl.textContent = k < 0 ? '' : dir ? bytes(mark === 3 ? model.sizes(state.layer - 1)[i] : sz[i]) : bytes(model.vsize[k]);
    mdEl.textContent = k < 0 ? '' : modeString(t.vtype[k], t.vmode[k]);
    ownEl.textContent = k < 0 ? '' : t.vuid[k] + ':' + t.vgid[k];
    lyEl.textContent = k < 0 || model.vlayer[k] < 0 ? '' : '#' + model.vlayer[k];
  }

  function rebuild() {
    const rows = [];
    const keep = state.keep;
    const layer = state.layer;
    let inside = 0;
    for (let i = 1; i < n;) {
      if (i >= inside) inside = 0;
      const k = model.shown(i, layer);
      if (k < 0 || (keep && !inside && !keep[i])) { i = model.end[i]; continue; }
      rows.push(i);
      if (keep && (keep[i] & 1) && !state.changes && !inside) inside = model.end[i];
      if (model.isDir(i, k) && expanded[i]) i++; else i = model.end[i];
    }
    state.rows = Int32Array.from(rows);
    list.setCount(rows.length);
    count.textContent = commas(rows.length) + ' rows' + (keep ? ' (filtered)' : '');
    vp.dataset.rows = rows.length;
  }

  // refilter marks the nodes the search and the changes toggle keep: bit 1 a match, bit 2
  // an ancestor of one (opened, so matches show with their ancestors). A matching directory
  // shows its whole subtree as it is opened (unless in changes mode).
  function refilter() {
    const m = state.match;
    if (!m && !state.changes) { state.keep = null; rebuild(); return; }
    const keep = new Uint8Array(n);
    const marks = model.marks(state.layer);
    const layer = state.layer;
    const paths = m && m.onPath ? model.allPaths() : null;
    let found = 0;
    for (let i = 1; i < n; i++) {
      if (state.changes && !marks[i]) continue;
      if (model.shown(i, layer) < 0) continue;
      if (m && !m.test(t.names[i], () => paths[i])) continue;
      keep[i] |= 1;
      found++;
      for (let p = model.parent[i]; p > 0 && !(keep[p] & 2); p = model.parent[p]) { keep[p] |= 2; expanded[p] = 1; }
    }
    state.keep = keep;
    vp.dataset.matches = found;
    rebuild();
  }

  function toggle(i) {
    const k = model.shown(i, state.layer);
    if (!model.isDir(i, k)) return;
    expanded[i] ^= 1;
    rebuild();
  }

  function select(i) {
    state.sel = i;
    list.refresh();
    showDetail(i);
  }

  function showDetail(i) {
    const items = [];
    const first = model.vstart[i], last = model.vstart[i + 1];
    for (let k = first; k < last; k++) {
      const from = model.vfrom[k], to = model.vto[k];
      const span = to - from === 1 ? 'layer #' + from : 'layers #' + from + '–#' + (to - 1);
      const by = model.vlayer[k] >= 0 ? 'from layer #' + model.vlayer[k] : 'implied directory (no layer wrote it)';
      const what = t.vtype[k] + (t.vtype[k] === 'file' || t.vtype[k] === 'hardlink' ? ' ' + bytes(model.vsize[k]) : '') +
        ' ' + modeString(t.vtype[k], t.vmode[k]) + ' ' + t.vuid[k] + ':' + t.vgid[k] +
        (t.vlink[k] != null ? ' → ' + t.vlink[k] : '');
      items.push(h('li', null, h('b', { text: span }), ': ' + what + ', ' + by + (to <= L ? '; gone as of layer #' + to : '')));
    }
    const ws = wasteByNode.get(i) || [];
    detail.replaceChildren(
      h('div', { class: 'path', text: model.path(i) }),
      model.sensitive[i] ? h('div', { class: 'bad', text: '⚠ the name looks like it may hold a secret' }) : null,
      h('ul', null, items),
      ws.length ? h('ul', { class: 'bad' }, ws.map(w => h('li', { text: bytes(w.size) + ' wasted: layer #' + w.layer + ' version ' + w.reason + ' by layer #' + w.hidden_by + (w.files > 1 ? ' (' + w.files + ' files)' : '') }))) : null);
    detail.className = 'detail';
  }

  // reveal selects node i as of layer, expanding its ancestors.
  function reveal(i, layer) {
    if (layer != null) setLayer(layer, false);
    if (state.keep && !state.keep[i]) { search.value = ''; state.match = null; state.changes = false; onlyChanges.checked = false; refilter(); }
    for (let p = model.parent[i]; p > 0; p = model.parent[p]) expanded[p] = 1;
    rebuild();
    const at = state.rows.indexOf(i);
    if (at >= 0) list.scrollTo(at);
    select(i);
    sec.scrollIntoView({ block: 'start' });
  }

  function setLayer(l, changes) {
    state.layer = l;
    layerSel.value = String(l);
    state.changes = changes;
    onlyChanges.checked = changes;
    refilter();
  }

  layerSel.addEventListener('change', () => { state.layer = +layerSel.value; refilter(); });
  onlyChanges.addEventListener('change', () => { state.changes = onlyChanges.checked; refilter(); });
  let tag = 0;
  search.addEventListener('input', () => {
    const my = ++tag;
    setTimeout(() => {
      if (my !== tag) return;
      state.match = matcher(search.value);
      refilter();
    }, 120);
  });
  vp.addEventListener('click', (ev) => {
    const row = ev.target.closest('.row');
    if (!row) return;
    const i = +row.dataset.node;
    if (ev.target.classList.contains('tog')) { toggle(i); return; }
    select(i);
  });
  vp.addEventListener('dblclick', (ev) => {
    const row = ev.target.closest('.row');
    if (row) toggle(+row.dataset.node);
  });
  vp.addEventListener('keydown', (ev) => {
    const at = state.rows.indexOf(state.sel);
    let next = at;
    switch (ev.key) {
      case 'ArrowDown': case 'j': next = Math.min(state.rows.length - 1, at + 1); break;
      case 'ArrowUp': case 'k': next = Math.max(0, at - 1); break;
      case 'PageDown': next = Math.min(state.rows.length - 1, at + 20); break;
      case 'PageUp': next = Math.max(0, at - 20); break;
      case 'Home': next = 0; break;
      case 'End': next = state.rows.length - 1; break;
      case 'ArrowRight': case 'l': case 'ArrowLeft': case 'h': case 'Enter': case ' ': {
        if (state.sel < 0) return;
        const open = expanded[state.sel] === 1;
        const right = ev.key === 'ArrowRight' || ev.key === 'l';
        const left = ev.key === 'ArrowLeft' || ev.key === 'h';
        if ((right && !open) || (left && open) || (!right && !left)) toggle(state.sel);
        else if (left && model.parent[state.sel] > 0) { select(model.parent[state.sel]); list.scrollTo(state.rows.indexOf(state.sel)); }
        ev.preventDefault();
        return;
      }
      case '/': search.focus(); ev.preventDefault(); return;
      default: return;
    }
    ev.preventDefault();
    if (next >= 0 && next < state.rows.length) { select(state.rows[next]); list.scrollTo(next); }
  });

  const head = h('div', { class: 'row head' }, h('span', { text: '' }), h('span', { text: 'name' }), h('span', { text: 'size' }), h('span', { text: 'mode' }), h('span', { text: 'uid:gid' }), h('span', { text: 'layer' }));
  const sec = section('explorer', 'Explorer',
    h('div', { class: 'controls' },
      h('label', null, 'as of layer ', layerSel),
      h('label', null, onlyChanges, ' only this layer\'s changes'),
      search,
      h('button', { class: 'expand', text: 'expand all', onclick: () => { expanded.fill(1); rebuild(); } }),
      h('button', { class: 'collapse', text: 'collapse all', onclick: () => { expanded.fill(0); expanded[0] = 1; rebuild(); } }),
      count),
    h('div', { class: 'tree-wrap' }, h('div', { class: 'tree-main' }, head, vp), detail),
    h('p', { class: 'muted', text: 'A added, M modified, D removed by the selected layer. Sizes sum each directory as of that layer. Keys: ↑↓ or j/k move, → ← or l/h open and close, / searches.' }));
  sec.reveal = reveal;
  sec.setLayer = setLayer;
  rebuild();
  return sec;
}

// ---------- tables ----------

function historySection(img) {
  const rows = img.history.map(x => ({
    cells: [x.created || '', x.layer_index != null ? '#' + x.layer_index : '', x.empty_layer ? '0 B' : bytes(x.size), x.created_by, x.comment],
    titles: [null, x.layer || '', exact(x.size), x.created_by, x.comment],
  }));
  return section('history', 'History (newest first)', vtable([
    { name: 'created', w: '13em' }, { name: 'layer', w: '4em' }, { name: 'size', w: '6em', cls: 'num' }, { name: 'created by', w: '1fr', cls: 'cmd' }, { name: 'comment', w: '12em' },
  ], rows, { empty: 'no history' }));
}

function configSection(img) {
  const c = img.inspect.config;
  const list = (a) => a && a.length ? h('ul', { class: 'plain' }, a.map(x => h('li', { text: x }))) : null;
  const json = (a) => a && a.length ? JSON.stringify(a) : '';
  const labels = Object.keys(c.labels || {}).sort().map(k => k + '=' + c.labels[k]);
  return section('config', 'Config', kv([
    ['user', c.user || '(root)'],
    ['entrypoint', json(c.entrypoint)],
    ['cmd', json(c.cmd)],
    ['shell', json(c.shell)],
    ['working dir', c.working_dir],
    ['env', list(c.env)],
    ['exposed ports', list(c.exposed_ports)],
    ['volumes', list(c.volumes)],
    ['labels', list(labels)],
    ['stop signal', c.stop_signal],
    ['on build', list(c.on_build)],
    ['healthcheck', c.healthcheck ? JSON.stringify(c.healthcheck) : ''],
  ]));
}

function wasteSection(img, onReveal) {
  const r = img.inspect;
  const rows = r.wasted.map((w, k) => ({
    cells: [(w.sensitive ? '⚠ ' : '') + w.path, bytes(w.size), w.files, '#' + w.layer, '#' + w.hidden_by, w.reason],
    titles: [w.path, exact(w.size), null, w.created_by, w.hidden_by_created_by, null],
    cls: w.sensitive ? 'sensitive' : '',
    onclick: img.tree.waste_node[k] >= 0 ? () => onReveal(img.tree.waste_node[k], w.layer) : null,
  }));
  const hidden = r.hidden.map((x, k) => ({
    cells: [(x.sensitive ? '⚠ ' : '') + x.path, x.type, bytes(x.size), '#' + x.layer, '#' + x.hidden_by, x.reason],
    titles: [x.path, null, exact(x.size), null, null, null],
    cls: x.sensitive ? 'sensitive' : '',
    onclick: img.tree.hidden_node[k] >= 0 ? () => onReveal(img.tree.hidden_node[k], x.layer) : null,
  }));
  return section('waste', 'Wasted space',
    h('p', { class: 'muted', text: r.wasted.length + ' wasted version' + (r.wasted.length === 1 ? '' : 's') + ', ' + exact(r.wasted_bytes) + ': shipped in a layer, hidden by a later one. Click a row to see the path as of the layer that added it.' }),
    vtable([
      { name: 'path', w: '1fr' }, { name: 'size', w: '6em', cls: 'num' }, { name: 'files', w: '4em', cls: 'num' },
      { name: 'added by', w: '5em' }, { name: 'hidden by', w: '5em' }, { name: 'why', w: '9em' },
    ], rows, { empty: 'no wasted space', cls: 'waste' }),
    h('h3', { text: 'Hidden entries (' + r.hidden.length + ')' }),
    vtable([
      { name: 'path', w: '1fr' }, { name: 'type', w: '5em' }, { name: 'size', w: '6em', cls: 'num' },
      { name: 'layer', w: '5em' }, { name: 'hidden by', w: '5em' }, { name: 'why', w: '9em' },
    ], hidden, { empty: 'nothing hidden', cls: 'hidden' }));
}

// ---------- packages ----------

const pkgArrow = { upgrade: '↑', downgrade: '↓' };

function layerCounts(l) {
  const parts = [];
  if (l.installed) parts.push('+' + l.installed);
  if (l.upgraded) parts.push('↑' + l.upgraded);
  if (l.downgraded) parts.push('↓' + l.downgraded);
  if (l.removed) parts.push('−' + l.removed);
  return parts.join(' ');
}

// packagesSection lists what strata packages reports: a row per package (the layer that
// installed it, the last version change, its bytes in the final filesystem and those its
// history still ships), each layer's package changes and bytes, the removed packages.
function packagesSection(img, model, onReveal) {
  const p = img.packages;
  if (!p) {
    return section('packages', 'Packages', h('p', {
      class: img.packages_error ? 'warn' : 'muted',
      text: img.packages_error ? 'The packages could not be read: ' + img.packages_error : 'Packages not read.',
    }));
  }
  const counts = {};
  let hidden = 0;
  for (const x of p.packages) { counts[x.ecosystem] = (counts[x.ecosystem] || 0) + 1; hidden += x.hidden_size; }
  for (const x of p.removed) hidden += x.hidden_size;
  let byPath = null;
  const nodeOf = (loc) => {
    if (!byPath) { byPath = new Map(); model.allPaths().forEach((q, i) => byPath.set(q, i)); }
    const i = byPath.get(loc.split('!')[0]);
    return i == null ? -1 : i;
  };
  const reveal = (loc, layer) => { const i = nodeOf(loc); if (i >= 0) onReveal(i, layer); };
  const rows = p.packages.map(x => ({
    cells: [x.ecosystem, x.name, x.version, x.architecture, '#' + x.layer,
      x.changed ? '#' + x.changed.layer + ' ' + (pkgArrow[x.changed.direction] || '~') + ' ' + x.changed.old_version : '',
      x.size == null ? '' : bytes(x.size), x.hidden_size ? bytes(x.hidden_size) : '', x.licenses.join(', ')],
    titles: [x.purl, x.name + ' — ' + x.location, null, null, x.created_by, x.changed ? x.changed.created_by : null,
      x.size == null ? 'its ecosystem states no file list' : exact(x.size) + ' in ' + x.files + ' files', exact(x.hidden_size), null],
    x,
    onclick: () => reveal(x.location, x.layer),
  }));
  const table = vtable([
    { name: 'type', w: '4em' }, { name: 'name', w: '1fr' }, { name: 'version', w: '12em' }, { name: 'arch', w: '5em' },
    { name: 'layer', w: '4em' }, { name: 'changed', w: '11em' }, { name: 'size', w: '6em', cls: 'num' },
    { name: 'hidden', w: '6em', cls: 'num' }, { name: 'license', w: '9em' },
  ], rows, { empty: 'no packages', height: 420, cls: 'packages' });
  const q = h('input', { type: 'search', class: 'search', placeholder: 'filter packages (name substring or glob)' });
  const eco = h('select', { class: 'ecosystem' }, h('option', { value: '', text: 'all ecosystems' }), Object.keys(counts).sort().map(k => h('option', { value: k, text: k + ' (' + counts[k] + ')' })));
  const cnt = h('span', { class: 'muted' });
  const refilter = () => {
    const m = matcher(q.value);
    const e = eco.value;
    const n = table.filter(!m && !e ? null : (r) => (!e || r.x.ecosystem === e) && (!m || m.test(r.x.name, () => r.x.name)));
    cnt.textContent = n + ' of ' + rows.length;
  };
  q.addEventListener('input', refilter);
  eco.addEventListener('change', refilter);
  refilter();
  const lrows = p.layers.map(l => ({
    cells: ['#' + l.index, layerCounts(l), bytes(l.size), bytes(l.unowned_size),
      l.changes.filter(c => c.size > 0).slice(0, 3).map(c => c.name + ' ' + bytes(c.size)).join(', '), l.created_by],
    titles: [l.diff_id, l.changes.map(c => c.kind + ' ' + c.name + ' ' + (c.old_version && c.version ? c.old_version + ' → ' + c.version : c.version || c.old_version)).join('\n'),
      exact(l.size), exact(l.unowned_size), null, l.created_by],
  }));
  const rmRows = p.removed.map(x => ({
    cells: [x.ecosystem, x.name, x.version, '#' + x.layer, '#' + x.removed_layer, bytes(x.hidden_size)],
    titles: [x.purl, x.location, null, x.created_by, x.removed_by, exact(x.hidden_size)],
  }));
  return section('packages', 'Packages',
    h('p', { class: 'muted', text: p.packages.length + ' package' + (p.packages.length === 1 ? '' : 's') + ' (' +
      Object.keys(counts).sort().map(k => k + ' ' + counts[k]).join(', ') + '), ' + exact(hidden) + ' shipped but hidden' +
      (p.removed.length ? ', ' + p.removed.length + ' removed' : '') + '. Click a row to see where the package lives, as of the layer that installed it.' }),
    p.warnings.map(w => h('p', { class: 'warn', text: w })),
    h('div', { class: 'controls' }, eco, q, cnt), table,
    h('h3', { text: 'By layer' }),
    vtable([{ name: 'layer', w: '4em' }, { name: 'packages', w: '9em' }, { name: 'pkg bytes', w: '7em', cls: 'num' },
      { name: 'other', w: '7em', cls: 'num' }, { name: 'largest', w: '1fr' }, { name: 'created by', w: '1fr', cls: 'cmd' }], lrows, { empty: 'no layers', cls: 'pkglayers' }),
    h('h3', { text: 'Removed by a later layer (' + p.removed.length + ')' }),
    vtable([{ name: 'type', w: '4em' }, { name: 'name', w: '1fr' }, { name: 'version', w: '12em' }, { name: 'layer', w: '4em' },
      { name: 'removed in', w: '6em' }, { name: 'still shipped', w: '8em', cls: 'num' }], rmRows, { empty: 'none removed', cls: 'pkgremoved' }));
}

// packagesDiffSection lists a package diff: only in OLD, only in NEW, version and size changes.
function packagesDiffSection(pd) {
  const sm = pd.summary;
  const sign = { upgraded: '↑', downgraded: '↓', changed: '~', resized: '≈' };
  const sz = (n) => (n > 0 ? '+' : n < 0 ? '−' : '') + bytes(Math.abs(n));
  const rows = pd.only_old.map(x => ({ cells: ['−', x.ecosystem, x.name, x.version, x.size == null ? '' : sz(-x.size)], titles: [null, null, x.location, null, null], cls: 'kD' }))
    .concat(pd.only_new.map(x => ({ cells: ['+', x.ecosystem, x.name, x.version, x.size == null ? '' : sz(x.size)], titles: [null, null, x.location, null, null], cls: 'kA' })))
    .concat(pd.changed.map(c => ({ cells: [sign[c.kind] || '~', c.ecosystem, c.name, c.kind === 'resized' ? c.new_version : c.old_version + ' → ' + c.new_version, sz(c.size_delta)],
      titles: [c.kind, null, c.location, null, null], cls: 'kC' })));
  return section('packages-diff', 'Packages',
    h('p', { text: sm.only_old + ' only in old, ' + sm.only_new + ' only in new, ' + sm.upgraded + ' upgraded, ' + sm.downgraded + ' downgraded, ' + sm.changed + ' changed, ' + sm.resized + ' resized (' + sz(sm.size_delta) + ')' }),
    vtable([{ name: '', w: '2em' }, { name: 'type', w: '4em' }, { name: 'name', w: '1fr' }, { name: 'version', w: '1fr' }, { name: 'bytes', w: '8em', cls: 'num' }],
      rows, { empty: 'the same packages', cls: 'pkgdiff' }));
}

// ---------- views ----------

function imageView(img, label) {
  const r = img.inspect;
  const t0 = performance.now();
  const model = new TreeModel(img.tree, r.layers.length);
  document.body.dataset.modelMs = (performance.now() - t0).toFixed(0);
  // For automation and tests: the model each view reads (sizes(layer), allPaths(), …).
  (window.strataModels = window.strataModels || {})[label || 'image'] = model;
  const root = h('div', { class: 'image' });
  let ex = null;
  const pick = (i) => { ex.setLayer(i, true); ex.scrollIntoView({ block: 'start' }); };
  const reveal = (i, layer) => ex.reveal(i, layer);
  const nav = h('nav', { class: 'toc' }, ['layers', 'treemap', 'explorer', 'packages', 'history', 'config', 'waste'].map(id => h('a', { href: '#' + id + (label ? '-' + label : ''), text: id })));
  const times = [];
  const timed = (name, f) => { const t0 = performance.now(); const v = f(); times.push(name + '=' + (performance.now() - t0).toFixed(0)); return v; };
  ex = timed('explorer', () => explorer(img, model));
  const tm = timed('treemap', () => treemap(img, model, reveal));
  const secs = [timed('layers', () => layerChart(img, model, pick)), tm, ex, timed('packages', () => packagesSection(img, model, reveal)), timed('waste', () => wasteSection(img, reveal)), timed('history', () => historySection(img)), configSection(img)];
  document.body.dataset.times = times.join(' ');
  if (label) for (const sct of secs) sct.id += '-' + label;
  root.append(header(img, label), nav, ...secs);
  root.drawTreemap = () => tm.draw();
  return root;
}

function diffView(d) {
  const res = d.diff;
  const root = h('div', { class: 'diff' });
  const sm = res.summary;
  const exportMode = res.mode === 'export';
  root.append(h('header', { class: 'card head' },
    h('h1', null, h('span', { class: 'muted', text: exportMode ? 'export ' : 'diff ' }), h('span', { class: 'ident', text: identity(d.old.inspect) + '  →  ' + identity(d.new.inspect) })),
    h('div', { class: 'stats' },
      stat('added', String(sm.added)), stat('changed', String(sm.changed)), stat('deleted', String(sm.deleted)),
      stat('size delta', (sm.size_delta > 0 ? '+' : '') + bytes(Math.abs(sm.size_delta)).replace(/^/, sm.size_delta < 0 ? '−' : ''), exact(sm.size_delta))),
    kv([['old', res.old.path + ' (' + res.old.format + ')'], ['new', res.new.path + ' (' + res.new.format + ')'],
      ['mode', exportMode ? 'a container export compared with its image, as docker diff' : 'two images']]),
    res.warnings.map(w => h('p', { class: 'warn', text: w }))));
  const kinds = { A: 'added', C: 'changed', D: 'deleted' };
  const rows = res.changes.map(c => ({
    cells: [c.kind, c.path + (c.entries > 1 ? '  (' + c.entries + ' entries)' : ''), c.type, (c.size_delta > 0 ? '+' : '') + commas(c.size_delta), (c.reasons || []).join(', ')],
    titles: [kinds[c.kind], c.path, null, null, null],
    cls: 'k' + c.kind,
    c,
  }));
  const table = vtable([
    { name: '', w: '2em' }, { name: 'path', w: '1fr' }, { name: 'type', w: '5em' }, { name: 'bytes', w: '8em', cls: 'num' }, { name: 'why', w: '16em' },
  ], rows, { empty: 'no changes', height: 480, cls: 'changes' });
  const q = h('input', { type: 'search', class: 'search', placeholder: 'filter paths (substring or glob)' });
  const kindSel = h('select', { class: 'kind' }, h('option', { value: '', text: 'all kinds' }), Object.keys(kinds).map(k => h('option', { value: k, text: kinds[k] })));
  const cnt = h('span', { class: 'muted' });
  const refilter = () => {
    const m = matcher(q.value);
    const kind = kindSel.value;
    const nn = table.filter(!m && !kind ? null : (r) => (!kind || r.c.kind === kind) && (!m || m.test(r.c.path.slice(r.c.path.lastIndexOf('/') + 1), () => r.c.path)));
    cnt.textContent = nn + ' of ' + rows.length;
  };
  q.addEventListener('input', refilter);
  kindSel.addEventListener('change', refilter);
  refilter();
  root.append(section('changes', 'Changes', h('div', { class: 'controls' }, kindSel, q, cnt), table));
  if (d.packages_diff) root.append(packagesDiffSection(d.packages_diff));
  const cfgRows = (list) => list.map(c => ({ cells: [c.field, c.old == null ? '(absent)' : JSON.stringify(c.old), c.new == null ? '(absent)' : JSON.stringify(c.new)] }));
  if (!exportMode) {
    const cols = [{ name: 'field', w: '14em' }, { name: 'old', w: '1fr' }, { name: 'new', w: '1fr' }];
    root.append(section('config-diff', 'Config changes', vtable(cols, cfgRows(res.config), { empty: 'config unchanged' })));
    const build = res.build_config || [];
    if (build.length) {
      root.append(section('build-config-diff', 'Build records',
        h('p', { class: 'muted', text: 'Keys that record how the image was built (the image ID, the build container, the parent image, the engine): every rebuild changes them; a container started from the image does not see them.' }),
        vtable(cols, cfgRows(build), { empty: 'none changed' })));
    }
  }
  if (res.layers) {
    const ly = res.layers;
    const lrow = (side) => (x) => ({ cells: [side, '#' + x.index, bytes(x.size), x.created_by, short(x.diff_id)], titles: [null, null, exact(x.size), x.created_by, x.diff_id] });
    root.append(section('layers-diff', 'Layers',
      h('p', { text: ly.shared + ' layer' + (ly.shared === 1 ? '' : 's') + ' shared from the base; old ' + bytes(ly.old_size) + ', new ' + bytes(ly.new_size) + ' (' + (ly.size_delta >= 0 ? '+' : '−') + bytes(Math.abs(ly.size_delta)) + ')' }),
      vtable([{ name: 'only in', w: '4em' }, { name: 'layer', w: '4em' }, { name: 'size', w: '6em', cls: 'num' }, { name: 'created by', w: '1fr', cls: 'cmd' }, { name: 'diff_id', w: '9em' }],
        ly.only_old.map(lrow('old')).concat(ly.only_new.map(lrow('new'))), { empty: 'same layers' })));
  }
  if (res.history) {
    const hs = res.history;
    const hrow = (side) => (x) => ({ cells: [side, x.created || '', x.empty_layer ? 'empty' : '', x.created_by] });
    root.append(section('history-diff', 'History',
      h('p', { text: hs.shared + ' row' + (hs.shared === 1 ? '' : 's') + ' shared' }),
      vtable([{ name: 'only in', w: '4em' }, { name: 'created', w: '13em' }, { name: '', w: '4em' }, { name: 'created by', w: '1fr', cls: 'cmd' }],
        hs.only_old.map(hrow('old')).concat(hs.only_new.map(hrow('new'))), { empty: 'same history' })));
  }
  if (exportMode) {
    if (res.runtime && res.runtime.length) {
      root.append(section('runtime', 'Written by the runtime', h('p', { class: 'muted', text: 'Paths Docker creates in every container (not changes of the container\'s process).' }), h('ul', { class: 'plain' }, res.runtime.map(p => h('li', { text: p })))));
    }
    const f = res.flattened;
    if (f) {
      root.append(section('flattened', 'Flattened by export',
        kv([['layers merged', String(f.layers.length)], ['history rows lost', String(f.history.length)], ['config fields lost', String(f.config.length)],
          ['shipped by the image', exact(f.shipped_bytes)], ['visible in the image', exact(f.image_bytes)], ['in the export', exact(f.export_bytes)],
          ['dropped', exact(f.dropped_bytes)], ['docker import size', exact(f.import_size)], ['docker import diff_id', f.import_diff_id || '']]),
        h('h3', { text: 'Config the export loses' }),
        vtable([{ name: 'field', w: '14em' }, { name: 'value', w: '1fr' }], f.config.map(c => ({ cells: [c.field, JSON.stringify(c.value)] })), { empty: 'no config' }),
        f.volumes && f.volumes.length ? h('ul', { class: 'plain' }, f.volumes.map(v => h('li', { text: v.path + ': ' + v.note }))) : null,
        h('h3', { text: 'Layers merged into one' }),
        vtable([{ name: 'layer', w: '4em' }, { name: 'size', w: '6em', cls: 'num' }, { name: 'created by', w: '1fr', cls: 'cmd' }],
          f.layers.map(x => ({ cells: ['#' + x.index, bytes(x.size), x.created_by] })), { empty: 'no layers' })));
    }
  }
  return root;
}

function tabs(list) {
  const bar = h('nav', { class: 'tabs', role: 'tablist' });
  const body = h('div', { class: 'tabbody' });
  list.forEach((tab, k) => {
    const b = h('button', { role: 'tab', class: 'tab', text: tab.name, onclick: () => show(k) });
    bar.append(b);
  });
  function show(k) {
    [...bar.children].forEach((b, i) => b.setAttribute('aria-selected', i === k ? 'true' : 'false'));
    list.forEach((tab, i) => { tab.el.hidden = i !== k; });
    if (list[k].onShow) list[k].onShow();
  }
  list.forEach(tab => body.append(tab.el));
  show(0);
  return h('div', null, bar, body);
}

function render(d) {
  const app = document.getElementById('app');
  let title;
  if (d.kind === 'diff') {
    const oldV = imageView(d.old, 'old');
    const newV = imageView(d.new, 'new');
    app.replaceChildren(tabs([
      { name: d.diff.mode === 'export' ? 'Export vs image' : 'Changes', el: diffView(d) },
      { name: 'Old: ' + clip(identity(d.old.inspect), 40), el: oldV, onShow: oldV.drawTreemap },
      { name: 'New: ' + clip(identity(d.new.inspect), 40), el: newV, onShow: newV.drawTreemap },
    ]));
    title = 'strata diff: ' + identity(d.old.inspect) + ' → ' + identity(d.new.inspect);
  } else {
    const v = imageView(d.image, '');
    app.replaceChildren(v);
    const t0 = performance.now();
    v.drawTreemap();
    document.body.dataset.drawMs = (performance.now() - t0).toFixed(0);
    title = 'strata report: ' + identity(d.image.inspect);
  }
  app.append(h('footer', { class: 'muted', text: 'Generated by ' + (d.generator || 'strata') + '. Everything on this page was read from the archive offline; nothing is fetched.' }));
  document.title = title;
}

async function load() {
  const b64 = document.getElementById('strata-data').textContent.trim();
  let raw;
  if (Uint8Array.fromBase64) {
    raw = Uint8Array.fromBase64(b64);
  } else {
    const bin = atob(b64);
    raw = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) raw[i] = bin.charCodeAt(i);
  }
  const stream = new Blob([raw]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(stream).json();
}

load().then((d) => {
  document.body.dataset.decodedMs = performance.now().toFixed(0);
  render(d);
  document.body.dataset.readyMs = performance.now().toFixed(0);
  document.body.dataset.ready = 'true';
}).catch((err) => {
  const app = document.getElementById('app');
  app.replaceChildren(h('p', { class: 'warn', text: 'This report could not be shown: ' + err }));
  document.body.dataset.ready = 'error';
  throw err;
});
