// Tiny DOM helpers. Text goes in through textContent only: log content (endpoint and model names, error
// messages) is untrusted and must never be parsed as HTML.

type Attrs = Record<string, string | number | boolean | undefined | null | ((e: Event) => void)>;
type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Attrs | null, ...children: Child[]): HTMLElement;
export function h(tag: string, attrs?: Attrs | null, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (typeof v === 'function') el.addEventListener(k.replace(/^on/, '').toLowerCase(), v as EventListener);
      else if (k === 'text') el.textContent = String(v);
      else if (k === 'className') el.className = String(v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, ...children);
  return el;
}

export function append(el: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export function icon(name: string, label?: string): HTMLElement {
  const i = h('span', { className: `codicon codicon-${name}`, 'aria-hidden': label ? undefined : 'true' });
  if (label) { i.setAttribute('role', 'img'); i.setAttribute('aria-label', label); }
  return i;
}

/** A semantic table: header labels and rows of cells (strings or nodes). `numeric` columns are right-aligned. */
export function table(caption: string, headers: readonly string[], rows: readonly (readonly Child[])[],
  opts: { numeric?: readonly number[]; className?: string; captionHidden?: boolean; empty?: string } = {}): HTMLElement {
  const num = new Set(opts.numeric ?? []);
  const t = h('table', { className: opts.className ?? 'data' },
    h('caption', { className: opts.captionHidden ? 'sr-only' : undefined }, caption),
    h('thead', null, h('tr', null, ...headers.map((x, i) => h('th', { scope: 'col', className: num.has(i) ? 'num' : undefined }, x)))));
  const body = h('tbody');
  if (rows.length === 0) {
    body.appendChild(h('tr', null, h('td', { colspan: headers.length, className: 'empty' }, opts.empty ?? 'No data in this range.')));
  }
  for (const r of rows) body.appendChild(h('tr', null, ...r.map((c, i) => h('td', { className: num.has(i) ? 'num' : undefined }, c))));
  t.appendChild(body);
  return t;
}

export function section(title: string, ...children: Child[]): HTMLElement {
  const id = `s-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return h('section', { className: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

/** A vscode-single-select with options; value strings, labels shown as text. */
export function select(id: string, label: string, options: readonly { value: string; label: string }[], value: string,
  onChange: (v: string) => void, combobox = false): HTMLElement {
  // combobox: type to filter, for long lists (every model of the price table)
  const sel = h('vscode-single-select', { id, 'aria-label': label, combobox });
  for (const o of options) {
    const opt = h('vscode-option', { value: o.value }, o.label);
    if (o.value === value) opt.setAttribute('selected', '');
    sel.appendChild(opt);
  }
  sel.addEventListener('change', () => onChange((sel as unknown as { value: string }).value));
  return sel;
}

export function button(label: string, onClick: () => void, opts: { id?: string; secondary?: boolean; iconName?: string; title?: string } = {}): HTMLElement {
  const b = h('vscode-button', { id: opts.id, secondary: opts.secondary, icon: opts.iconName, title: opts.title }, label);
  b.addEventListener('click', onClick);
  return b;
}
