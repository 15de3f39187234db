// Phone intake: while the agent types the caller's number or name, the customers it may be
// appear under the customer fields; "Use this customer" fills the fields in. Without script,
// the same buttons ("Look up caller", "Use this customer") go through the server instead.
(function () {
  "use strict";
  var box = document.getElementById("caller-matches");
  if (!box) {
    return;
  }
  var fields = {
    name: document.getElementById("id_customer_name"),
    email: document.getElementById("id_customer_email"),
    phone: document.getElementById("id_customer_phone")
  };
  var timer = null;
  var latest = 0;

  function lookUp() {
    var phone = fields.phone.value.trim();
    var name = fields.name.value.trim();
    var asked = ++latest;
    if (phone.length < 2 && name.length < 2) {
      box.innerHTML = "";
      return;
    }
    var query = new URLSearchParams({customer_phone: phone, customer_name: name});
    fetch(box.dataset.lookupUrl + "?" + query.toString(), {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        if (asked === latest) {
          box.innerHTML = html;  // rendered and escaped by the server's template
        }
      });
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(lookUp, 250);
  }

  fields.phone.addEventListener("input", soon);
  fields.name.addEventListener("input", soon);
  box.addEventListener("click", function (event) {
    var pick = event.target.closest("button[name=use_customer]");
    if (!pick) {
      return;
    }
    event.preventDefault();
    latest++;  // an answer still on its way must not replace the confirmation
    fields.name.value = pick.dataset.name;
    fields.email.value = pick.dataset.email;
    fields.phone.value = pick.dataset.phone;
    var done = document.createElement("p");
    done.className = "message success";
    done.textContent = box.dataset.pickedText;
    box.replaceChildren(done);
    (document.getElementById("id_subject") || fields.name).focus();
  });
}());
