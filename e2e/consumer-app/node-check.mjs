// A user's Node script: the installed package by name, no options.
import { init } from 'qwasm';

const qw = await init();
console.log(JSON.stringify({ ok: true, ...qw.buildInfo }));
