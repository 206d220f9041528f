// Building DOM from data without ever parsing it as HTML: every value is text.
export const h = (tag, attrs = {}, ...children) => {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (name === 'class') el.className = value;
    else if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
};

export const panel = (name) => {
  const section = document.querySelector(`[data-panel="${name}"]`);
  return {
    section,
    body: section.querySelector('.body'),
    // state: loading | ready | empty | error; the message says what is wrong.
    show(state, message = '') {
      section.dataset.state = state;
      const status = section.querySelector('.status');
      status.textContent = message;
      status.hidden = !message;
      if (state !== 'ready') this.body.replaceChildren();
    },
  };
};

export const table = (columns, rows) =>
  h('table', {},
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { class: c.numeric ? 'num' : '' }, c.label)))),
    h('tbody', {}, rows.map((row) => h('tr', {}, columns.map((c) => c.cell(row))))));
