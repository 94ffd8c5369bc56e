// The page's words in its language (<html lang>): t("English text with {name}", {name: value})
// looks the message up in the catalogue the server put in the page (#eyes-messages: the
// translated messages of this JavaScript, English ones absent) and fills its {placeholders}.
// Messages are plain string literals so `make messages` finds them (babel.cfg, keyword t).

function readCatalogue() {
  const node = document.getElementById("eyes-messages");
  try {
    return node ? JSON.parse(node.textContent) : {};
  } catch {
    return {};
  }
}

const catalogue = readCatalogue();

export function t(message, values = {}) {
  const text = Object.hasOwn(catalogue, message) ? catalogue[message] : message;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (Object.hasOwn(values, name) ? String(values[name]) : whole));
}
