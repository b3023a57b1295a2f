// Placeholder until the console page lands (issue 21, h21b): reads the deployment's config.
const status = document.getElementById('status');
fetch('./config.json', { credentials: 'same-origin' })
  .then((r) => r.json())
  .then((config) => {
    status.textContent = `Management API at ${config.basePath}.`;
  })
  .catch(() => {
    status.textContent = 'The console could not load its settings.';
  });
