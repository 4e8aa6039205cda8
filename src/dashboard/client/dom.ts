/** Small DOM helpers the pages' scripts share: no framework, nothing but elements and text. */

export const byId = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
};

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { text?: string; className?: string; attrs?: Record<string, string> } = {},
  children: (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.text !== undefined) node.textContent = props.text;
  if (props.className) node.className = props.className;
  for (const [name, value] of Object.entries(props.attrs ?? {})) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/** The page's status line: a polite status, or an alert for an error; hidden when empty. */
export function setStatus(text: string, kind: 'info' | 'error' = 'info'): void {
  const status = byId('status');
  status.textContent = text;
  status.classList.toggle('error', kind === 'error');
  status.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  status.hidden = text === '';
}

/** A table's header row of column headings. */
export function tableHead(head: readonly string[]): HTMLTableSectionElement {
  return el('thead', {}, [
    el(
      'tr',
      {},
      head.map((h) => el('th', { text: h, attrs: { scope: 'col' } })),
    ),
  ]);
}

/** A table of text: a header row, and rows whose first cell heads the row. */
export function dataTable(head: string[], rows: string[][], opts: { className?: string; caption?: string } = {}): HTMLTableElement {
  return el('table', { className: opts.className ?? 'data' }, [
    ...(opts.caption ? [el('caption', { className: 'visually-hidden', text: opts.caption })] : []),
    tableHead(head),
    el(
      'tbody',
      {},
      rows.map((r) =>
        el(
          'tr',
          {},
          r.map((cell, i) => (i === 0 ? el('th', { text: cell, attrs: { scope: 'row' } }) : el('td', { text: cell }))),
        ),
      ),
    ),
  ]);
}
