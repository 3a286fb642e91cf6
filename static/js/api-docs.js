// Starts Swagger UI (static/vendor/swagger-ui) on the API docs page; a file, not an inline script (CSP).
document.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({ url: root.dataset.openapiUrl, domNode: root, deepLinking: true });
});
