/* global document, location, EventSource */
// The Phoenix dashboard: plain DOM, no framework. Data from /api/v1/*, live updates over SSE.
// Everything from the API is inserted as text (textContent), never as HTML.
import { formatAttributeChange, formatAttributeValue } from './format.js';

const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';
const state = { session: null, status: null, plan: null, history: [], certs: [], selected: null };

function el(tag, attrs = {}, ...children) {
  const e = tag.startsWith('svg:') ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') e.textContent = String(v);
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c);
  return e;
}

async function api(path, options = {}) {
  const headers = { accept: 'application/json' };
  if (options.method && options.method !== 'GET') {
    headers['content-type'] = 'application/json';
    if (state.session?.csrfToken) headers['x-csrf-token'] = state.session.csrfToken;
  }
  const res = await fetch(path, { credentials: 'same-origin', ...options, headers });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(body.error?.message ?? res.statusText), { status: res.status });
  return body;
}

const tone = {
  'in sync': 'ok',
  healthy: 'ok',
  succeeded: 'ok',
  'in-sync': 'ok',
  drifted: 'warn',
  progressing: 'warn',
  held: 'warn',
  blocked: 'warn',
  missing: 'bad',
  degraded: 'bad',
  failed: 'bad',
  invalid: 'bad',
  interrupted: 'warn',
};
const pill = (text) => el('span', { class: `pill ${tone[text] ?? ''}`, text });
const short = (rev) =>
  rev
    ? String(rev)
        .replace(/^content:/, '')
        .slice(0, 12)
    : '-';
const when = (iso) => (iso ? new Date(iso).toLocaleString() : '-');

async function boot() {
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', logout);
  $('sync').addEventListener('click', syncNow);
  for (const id of ['f-kind', 'f-sync', 'f-text']) $(id).addEventListener('input', renderResources);
  $('filters').addEventListener('submit', (e) => e.preventDefault());
  const session = await api('/api/v1/session').catch(() => ({ scope: null }));
  if (!session.scope) return showLogin();
  state.session = session;
  await start();
}

function showLogin() {
  $('login').hidden = false;
  $('app').hidden = true;
  $('token').focus();
}

async function login(event) {
  event.preventDefault();
  $('login-error').textContent = '';
  try {
    state.session = await api('/api/v1/session', { method: 'POST', body: JSON.stringify({ token: $('token').value }) });
    $('token').value = '';
    await start();
  } catch (e) {
    $('login-error').textContent = e.status === 429 ? 'Too many attempts: wait a minute.' : 'Unknown token.';
  }
}

async function logout() {
  await api('/api/v1/session', { method: 'DELETE' }).catch(() => undefined);
  location.reload();
}

async function syncNow() {
  $('sync').disabled = true;
  try {
    await api('/api/v1/sync', { method: 'POST' });
  } catch (e) {
    announce(`Sync refused: ${e.message}`);
  } finally {
    $('sync').disabled = false;
  }
}

function announce(text) {
  $('live').textContent = text;
}

async function start() {
  $('login').hidden = true;
  $('app').hidden = false;
  $('logout').hidden = false;
  $('sync').hidden = state.session.scope !== 'operate';
  await refresh();
  connect();
}

let pending;
function refreshSoon() {
  clearTimeout(pending);
  pending = setTimeout(() => void refresh(), 50);
}

async function refresh() {
  const [status, plan, history, certs] = await Promise.all([
    api('/api/v1/status'),
    api('/api/v1/plan'),
    api('/api/v1/history?limit=30'),
    api('/api/v1/certificates'),
  ]);
  Object.assign(state, { status, plan, history: history.runs, certs: certs.certificates });
  render();
}

function connect() {
  const source = new EventSource('/api/v1/events');
  source.addEventListener('open', () => announce('live'));
  source.addEventListener('error', () => announce('reconnecting'));
  for (const type of ['status', 'run.finished', 'run.started', 'hold.created', 'hold.decided', 'revision.invalid']) {
    source.addEventListener(type, refreshSoon);
  }
}

function render() {
  renderSummary();
  renderTopology();
  renderHolds();
  renderKinds();
  renderResources();
  renderHistory();
  renderCerts();
}

function renderSummary() {
  const s = state.status;
  $('source').textContent = s.source;
  const last = s.lastSync;
  const drifted = s.rows.filter((r) => r.sync !== 'in sync').length;
  const items = [
    ['Revision', short(s.revision)],
    ['Last run', last ? `${last.outcome} at ${when(last.at)} (${(last.durationMs / 1000).toFixed(1)} s)` : 'none yet'],
    ['Out of sync', String(drifted)],
    [
      'Policy',
      `autoSync ${s.policy.autoSync ? 'on' : 'off'}, selfHeal ${s.policy.selfHeal.enabled ? 'on' : 'off'}, prune ${s.policy.prune}, poll ${s.policy.pollInterval} s`,
    ],
    ['Queue', s.running ? `running (${s.queueDepth})` : 'idle'],
  ];
  $('summary').replaceChildren(...items.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]));
}

const LAYERS = [
  'step-ca',
  'gateway',
  'traefik',
  'swarm-manager',
  'portainer-server',
  'swarm-worker',
  'portainer-agent',
];
function layer(row) {
  const roles = row.details?.roles ?? [];
  const found = LAYERS.findIndex((r) => roles.includes(r));
  return found < 0 ? LAYERS.length : found;
}

function guestTone(row) {
  if (row.sync === 'missing' || row.health === 'degraded') return 'g-bad';
  if (row.sync !== 'in sync' || row.health === 'progressing') return 'g-warn';
  return row.health === 'healthy' ? 'g-ok' : 'g-unk';
}

/** Guests on their nodes; gateway -> traefik -> swarm; the CA issuing to the others. */
function renderTopology() {
  const guests = state.status.rows.filter((r) => r.address.startsWith('guest.'));
  const stacks = state.status.rows.filter((r) => /^(stack|swarm)\./.test(r.kind));
  const nodes = [...new Set(guests.map((g) => g.node ?? '?'))];
  const W = 150;
  const H = 46;
  const gap = 20;
  const svg = el('svg:svg', { role: 'img', 'aria-labelledby': 'topo-title topo-desc', viewBox: '0 0 10 10' });
  const title = el('svg:title', { id: 'topo-title', text: 'Topology' });
  const desc = el('svg:desc', {
    id: 'topo-desc',
    text: guests.map((g) => `${g.name} on ${g.node}: ${g.sync}, ${g.health}`).join('; '),
  });
  const defs = el(
    'svg:defs',
    {},
    el(
      'svg:marker',
      {
        id: 'arrow',
        viewBox: '0 0 10 10',
        refX: 9,
        refY: 5,
        markerWidth: 6,
        markerHeight: 6,
        orient: 'auto-start-reverse',
      },
      el('svg:path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow' }),
    ),
  );
  svg.append(title, desc, defs);
  const pos = new Map();
  let y = 10;
  let width = 0;
  for (const node of nodes) {
    // Left to right in traffic order: the CA, the gateway, Traefik, the Swarm, the rest.
    const list = guests
      .filter((g) => (g.node ?? '?') === node)
      .sort((a, b) => layer(a) - layer(b) || a.address.localeCompare(b.address));
    const boxW = list.length * (W + gap) + gap;
    svg.append(el('svg:rect', { class: 'node-box', x: 5, y, width: boxW, height: H + 100, rx: 8 }));
    svg.append(el('svg:text', { x: 12, y: y + 16, text: `node ${node}` }));
    list.forEach((g, i) => {
      const x = 5 + gap + i * (W + gap);
      const gy = y + 28;
      pos.set(g, { x, y: gy });
      const group = el('svg:g', { class: 'guest', 'data-address': g.address });
      group.append(el('svg:rect', { class: guestTone(g), x, y: gy, width: W, height: H, rx: 6 }));
      group.append(el('svg:text', { x: x + 8, y: gy + 18, text: `${g.details?.id ?? ''} ${g.name}` }));
      group.append(el('svg:text', { x: x + 8, y: gy + 36, text: `${g.sync} · ${g.health}` }));
      svg.append(group);
    });
    width = Math.max(width, boxW + 10);
    y += H + 120;
  }
  if (stacks.length > 0) {
    svg.append(el('svg:text', { x: 12, y: y + 14, text: 'stacks' }));
    stacks.forEach((s, i) => {
      const x = 5 + gap + i * (W + gap);
      const group = el('svg:g', { class: 'stack', 'data-address': s.address });
      group.append(el('svg:rect', { class: guestTone(s), x, y: y + 22, width: W, height: 30, rx: 6 }));
      group.append(el('svg:text', { x: x + 8, y: y + 42, text: s.name }));
      svg.append(group);
    });
    width = Math.max(width, stacks.length * (W + gap) + gap + 10);
    y += 70;
  }
  // Every other kind a provider reports (node files, host objects, certificates, ...): one box a
  // kind, in the tone of its worst resource; the table below lists them one by one.
  const others = new Map();
  for (const r of state.status.rows) {
    if (guests.includes(r) || stacks.includes(r)) continue;
    others.set(r.kind, [...(others.get(r.kind) ?? []), r]);
  }
  if (others.size > 0) {
    const perRow = 2;
    const KW = 210;
    svg.append(el('svg:text', { x: 12, y: y + 14, text: 'other resources, by kind' }));
    [...others.keys()].sort().forEach((kind, i) => {
      const rows = others.get(kind);
      const worst = ['g-bad', 'g-warn', 'g-unk', 'g-ok'].find((tone) => rows.some((r) => guestTone(r) === tone));
      const off = rows.filter((r) => r.sync !== 'in sync').length;
      const x = 5 + gap + (i % perRow) * (KW + gap);
      const ky = y + 22 + Math.floor(i / perRow) * 40;
      const group = el('svg:g', { class: 'kind', 'data-kind': kind });
      group.append(el('svg:rect', { class: worst, x, y: ky, width: KW, height: 30, rx: 6 }));
      group.append(
        el('svg:text', { x: x + 8, y: ky + 20, text: `${kind}: ${rows.length}${off ? `, ${off} not in sync` : ''}` }),
      );
      svg.append(group);
    });
    width = Math.max(width, Math.min(others.size, perRow) * (KW + gap) + gap + 10);
    y += 30 + Math.ceil(others.size / perRow) * 40;
    desc.textContent += `; ${[...others].map(([k, rows]) => `${k}: ${rows.length}`).join('; ')}`;
  }
  const byRole = (role) => guests.filter((g) => (g.details?.roles ?? []).includes(role));
  const link = (a, b, cls) => {
    const pa = pos.get(a);
    const pb = pos.get(b);
    if (!pa || !pb || a === b) return;
    const x1 = pa.x + W / 2;
    const x2 = pb.x + W / 2;
    const y1 = pa.y + H;
    const y2 = pb.y + H;
    const dip = Math.max(y1, y2) + Math.min(60, 12 + Math.abs(x2 - x1) / 12) + (cls === 'issue' ? 6 : 0);
    svg.append(el('svg:path', { class: cls, d: `M${x1},${y1} C${x1},${dip} ${x2},${dip} ${x2},${y2 + 2}` }));
  };
  const swarm = [...byRole('swarm-manager'), ...byRole('swarm-worker')];
  for (const gw of byRole('gateway')) for (const t of byRole('traefik')) link(gw, t, 'edge');
  for (const t of byRole('traefik')) for (const s of swarm) link(t, s, 'edge');
  for (const ca of byRole('step-ca'))
    for (const g of [...byRole('gateway'), ...byRole('traefik'), ...swarm]) link(ca, g, 'issue');
  if (byRole('gateway').length + byRole('step-ca').length > 0) {
    svg.append(
      el('svg:text', {
        x: 12,
        y: y + 4,
        text: 'solid: traffic (gateway → Traefik → Swarm) · dashed: certificates issued by the CA',
      }),
    );
    y += 14;
  }
  svg.setAttribute('viewBox', `0 0 ${Math.max(width, 300)} ${Math.max(y, 60)}`);
  $('topology').replaceChildren(svg);
}

function renderHolds() {
  const holds = state.plan.holds;
  if (holds.length === 0) {
    $('holds').replaceChildren(el('p', { class: 'muted', text: 'No plan is waiting for approval.' }));
    return;
  }
  const canOperate = state.session.scope === 'operate';
  $('holds').replaceChildren(
    ...holds.map((h) =>
      el(
        'div',
        { class: 'hold', 'data-hold': h.id },
        el('p', { text: `Plan ${h.id} for ${short(h.revision)} — held (${h.reason}) since ${when(h.createdAt)}` }),
        el(
          'ul',
          {},
          ...h.changes.map((c) => {
            // An update: its attribute changes, with units. A create or delete: the provider's
            // reasons (every attribute of a new resource would bury the plan).
            const shown = c.action === 'create' || c.action === 'delete' ? [] : c.attributes.filter((a) => a.path);
            return el(
              'li',
              {},
              `${c.action} ${c.address}`,
              shown.length
                ? el('ul', {}, ...shown.map((a) => el('li', { text: formatAttributeChange(c.kind, a) })))
                : c.reasons.length
                  ? `: ${c.reasons.join('; ')}`
                  : null,
            );
          }),
        ),
        canOperate
          ? el(
              'div',
              { class: 'hold-actions' },
              el('button', {
                type: 'button',
                text: 'Approve',
                'aria-label': `Approve plan ${h.id}`,
                onclick: () => decide(h.id, 'approve'),
              }),
              el('button', {
                type: 'button',
                class: 'secondary',
                text: 'Reject',
                'aria-label': `Reject plan ${h.id}`,
                onclick: () => decide(h.id, 'reject'),
              }),
            )
          : el('p', { class: 'muted', text: 'An operate token is needed to approve.' }),
      ),
    ),
  );
}

async function decide(id, verb) {
  try {
    await api(`/api/v1/plans/${encodeURIComponent(id)}/${verb}`, { method: 'POST' });
    announce(verb === 'approve' ? `plan ${id} approved: applying` : `plan ${id} rejected`);
  } catch (e) {
    announce(`${verb} failed: ${e.message}`);
  }
  refreshSoon();
}

function renderKinds() {
  const select = $('f-kind');
  const kinds = [...new Set(state.status.rows.map((r) => r.kind))].sort();
  const current = select.value;
  select.replaceChildren(
    el('option', { value: '', text: 'all' }),
    ...kinds.map((k) => el('option', { value: k, text: k })),
  );
  select.value = kinds.includes(current) ? current : '';
}

function renderResources() {
  if (!state.status) return;
  const kind = $('f-kind').value;
  const sync = $('f-sync').value;
  const text = $('f-text').value.trim().toLowerCase();
  const rows = state.status.rows.filter(
    (r) =>
      (!kind || r.kind === kind) &&
      (!sync || r.sync === sync) &&
      (!text || `${r.address} ${r.name}`.toLowerCase().includes(text)),
  );
  $('resources')
    .querySelector('tbody')
    .replaceChildren(
      ...rows.map((r) => {
        const tr = el(
          'tr',
          { tabindex: 0, 'data-address': r.address, 'aria-selected': String(state.selected === r.address) },
          el('td', { text: r.address }),
          el('td', { text: r.name }),
          el('td', { text: r.kind }),
          el('td', { text: r.node ?? '-' }),
          el('td', {}, pill(r.sync)),
          el('td', {}, pill(r.health)),
        );
        const open = () => {
          state.selected = r.address;
          renderResources();
          renderDetail();
        };
        tr.addEventListener('click', open);
        tr.addEventListener('keydown', (e) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            open();
          }
        });
        return tr;
      }),
    );
  renderDetail();
}

function renderDetail() {
  const row = state.status?.rows.find((r) => r.address === state.selected);
  if (!row) {
    $('detail').replaceChildren(
      el('p', { class: 'muted', text: 'Select a resource (Enter) to see its drift and conditions.' }),
    );
    return;
  }
  const change = state.plan?.plan?.changes.find((c) => c.address === row.address);
  const diff = el('div', { class: 'diff' });
  for (const a of change?.attributes ?? []) {
    diff.append(
      el('div', { text: a.path }),
      el('div', {
        class: 'del',
        text: `- ${a.sensitive ? '(sensitive)' : formatAttributeValue(row.kind, a.path, a.before)}`,
      }),
      el('div', {
        class: 'add',
        text: `+ ${a.sensitive ? '(sensitive)' : formatAttributeValue(row.kind, a.path, a.after)}`,
      }),
    );
  }
  const events = state.history
    .flatMap((run) =>
      run.resources
        .filter((x) => x.address === row.address)
        .map((x) => `${when(run.startedAt)}: ${x.action ?? ''} ${x.outcome}${x.error ? ` (${x.error})` : ''}`),
    )
    .slice(0, 8);
  $('detail').replaceChildren(
    el('h3', { text: `${row.address} (${row.name})` }),
    el('h4', { text: 'Drift' }),
    change?.attributes?.length
      ? diff
      : el('p', { class: 'muted', text: row.sync === 'in sync' ? 'Matches git.' : row.drift.join(', ') || row.sync }),
    el('h4', { text: 'Conditions' }),
    el('ul', {}, ...row.conditions.map((c) => el('li', { text: `${c.type}=${c.status} (${c.reason}): ${c.message}` }))),
    el('h4', { text: 'Events' }),
    events.length
      ? el('ul', {}, ...events.map((t) => el('li', { text: t })))
      : el('p', { class: 'muted', text: 'No applies recorded.' }),
  );
}

function renderHistory() {
  $('history').replaceChildren(
    ...state.history.map((r) => {
      const t = tone[r.outcome] === 'ok' ? 'ok' : (tone[r.outcome] ?? '');
      const summary =
        r.summary && r.summary.add !== undefined ? ` +${r.summary.add} ~${r.summary.change} -${r.summary.destroy}` : '';
      return el(
        'li',
        { class: t },
        el(
          'div',
          {},
          pill(r.outcome),
          ` ${r.trigger} · ${short(r.revision)} · ${when(r.startedAt)}${r.durationMs !== null ? ` · ${(r.durationMs / 1000).toFixed(1)} s` : ''}${summary}`,
        ),
        r.message ? el('div', { class: 'muted', text: r.message }) : null,
        ...r.errors.slice(0, 5).map((e) =>
          el('div', {
            class: 'error',
            text: `${e.file ? `${e.file}:${e.line ?? ''}:${e.column ?? ''} ` : ''}${e.message}`,
          }),
        ),
      );
    }),
  );
}

function renderCerts() {
  if (state.certs.length === 0) {
    $('certs').replaceChildren(el('p', { class: 'muted', text: 'No certificates tracked yet.' }));
    return;
  }
  $('certs').replaceChildren(
    el(
      'table',
      {},
      el(
        'thead',
        {},
        el('tr', {}, ...['Name', 'Expires', 'Renew at', 'Status'].map((h) => el('th', { scope: 'col', text: h }))),
      ),
      el(
        'tbody',
        {},
        ...state.certs.map((c) =>
          el(
            'tr',
            {},
            el('td', { text: c.name }),
            el('td', { text: `${when(c.notAfter)} (${Math.round(c.expiresInSeconds / 86400)} d)` }),
            el('td', { text: when(c.renewAt) }),
            el('td', {}, pill(c.status)),
          ),
        ),
      ),
    ),
  );
}

void boot();
