import { init } from 'qwasm';

init().then((qw) => postMessage({ ok: true, ...qw.buildInfo }), (e) => postMessage({ ok: false, error: String(e) }));
