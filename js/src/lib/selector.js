// A short CSS-like path naming an element (e.g. "main>div.hero>img#banner"), so a
// dashboard can say which element was the LCP or shifted, without any page content.
export const selector = (node) => {
  let path = '';
  try {
    for (let depth = 0; node && node.nodeType == 1 && depth < 4; depth++, node = node.parentNode) {
      let part = node.localName;
      if (node.id) part += '#' + node.id;
      else if (node.classList && node.classList[0]) part += '.' + node.classList[0];
      path = path ? part + '>' + path : part;
      if (node.id) break;
    }
  } catch (e) {
    // detached or foreign nodes: keep what we have
  }
  return path.slice(-100);
};
