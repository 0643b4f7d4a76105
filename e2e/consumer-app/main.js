// A user's app: imports the installed package by name, on the page and in a worker.
import { init } from 'qwasm';

const show = (id, value) => { document.getElementById(id).textContent = JSON.stringify(value); };

init().then((qw) => show('page-result', { ok: true, ...qw.buildInfo }), (e) => show('page-result', { ok: false, error: String(e) }));

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
worker.onmessage = (ev) => show('worker-result', ev.data);
worker.onerror = (ev) => show('worker-result', { ok: false, error: ev.message });
