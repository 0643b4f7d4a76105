// Timing for the bench suites, shared by bench/run.mjs (Node) and
// bench/browser.html (Chromium).

// Times several implementations of the same case interleaved: `rounds`
// rounds, each running every entry for ~minMs/rounds ms in turn; an entry's
// time is its best round's median. The VM's speed drifts by ±30% over
// seconds; interleaving exposes every contender to the same drift, so the
// ratios between them hold even when the absolute times move.
// A sample times `reps` calls, enough for ≥ 5 ms: browsers round
// performance.now() to 0.1 ms without cross-origin isolation.
export async function timeAll(entries, { minMs = 600, rounds = 6 } = {}) {
  const reps = new Map();
  for (const [name, fn] of entries) {
    for (let i = 0; i < 2; i++) await fn();
    let n = 0;
    const t = performance.now();
    do { await fn(); n++; } while (performance.now() - t < 5);
    reps.set(name, n);
  }
  const best = new Map();
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of entries) {
      const samples = [], n = reps.get(name);
      const start = performance.now();
      while (samples.length < 3 || performance.now() - start < minMs / rounds) {
        const t = performance.now();
        for (let i = 0; i < n; i++) await fn();
        samples.push((performance.now() - t) / n);
        if (samples.length >= 100) break;
      }
      samples.sort((a, b) => a - b);
      const med = samples[Math.floor(samples.length / 2)];
      if (!(best.get(name) <= med)) best.set(name, med);
    }
  }
  return best;
}

// Median of repeated runs after a warm-up, at least `minMs` of work.
export async function time(fn, minMs = 300) {
  return (await timeAll([['fn', fn]], { minMs, rounds: 1 })).get('fn');
}
