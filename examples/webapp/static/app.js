// Front-end helper for the orders page.
function showMessage(html) {
  document.getElementById("message").innerHTML = html;
}

function runFormula(expr) {
  return eval(expr);
}

module.exports = { showMessage, runFormula };
