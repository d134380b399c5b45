// The widget frame's contact form: posts the message to the verifier, same-origin.
"use strict";
(function () {
  const form = document.getElementById("fd-contact");
  const status = document.getElementById("fd-status");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const payload = {
      session_id: form.dataset.session || null,
      email: data.get("email") || null,
      name: data.get("name") || null,
      body: data.get("body"),
    };
    status.textContent = "Sending...";
    try {
      const answer = await fetch(`/widget/${encodeURIComponent(form.dataset.widget)}/messages`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(payload),
      });
      const result = await answer.json();
      if (!answer.ok) {
        status.textContent = result.error ? result.error.reason : "Could not send the message";
        return;
      }
      status.textContent = "Message sent";
      form.querySelector("textarea").value = "";
    } catch (error) {
      status.textContent = "Could not reach the help center";
    }
  });
})();
