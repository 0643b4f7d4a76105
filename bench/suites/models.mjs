// Whole models: the sample CNN and MLP in float32 and statically quantized to
// int8 (our integer layers: fused requantize + ReLU, no dequantize between
// layers) and dynamically quantized, next to onnxruntime-web running the float model and our exported
// QDQ model, single thread, batch 1 and 64, timed interleaved.
import { readFileSync } from 'node:fs';

const MODELS = ['cnn_bn', 'mlp_gelu'];

export default {
  name: 'models',
  async run({ qw, report, peers, timeAll }) {
    const images = readFileSync(new URL('../../tests/data/mnist/test-images.u8', import.meta.url));
    const digits = (n, from = 0) => Float32Array.from(images.subarray(from * 784, (from + n) * 784), (v) => v / 255);
    const calibration = [0, 1, 2, 3].map((b) => ({ input: { data: digits(64, 1000 + 64 * b), shape: [64, 784] } }));
    for (const name of MODELS) {
      const bytes = readFileSync(new URL(`../../tests/data/models/${name}.onnx`, import.meta.url));
      const fp32 = await qw.loadModel(bytes);
      const int8 = await qw.quantizeModel(fp32, { mode: 'static', calibration });
      const dyn = await qw.quantizeModel(fp32, { mode: 'dynamic' });
      const qdq = int8.toONNX();
      const sessions = {};
      if (peers.ort) {
        sessions.fp32 = await peers.ort.InferenceSession.create(bytes);
        sessions.qdq = await peers.ort.InferenceSession.create(qdq);
      }
      for (const batch of [1, 64]) {
        const x = digits(batch);
        const c = `${name} batch ${batch}`;
        const feeds = { input: { data: x, shape: [batch, 784] } };
        const entries = [
          ['qwasm fp32', () => fp32.run(feeds)],
          [`qwasm static int8 (${int8.report.integerLayers} integer layers)`, () => int8.run(feeds)],
          [`qwasm dynamic int8 (${dyn.report.integerLayers} integer layers)`, () => dyn.run(feeds)],
        ];
        if (peers.ort) {
          const t = new peers.ort.Tensor('float32', x, [batch, 784]);
          entries.push(['onnxruntime-web fp32', () => sessions.fp32.run({ input: t })]);
          entries.push(['onnxruntime-web QDQ int8', () => sessions.qdq.run({ input: t })]);
        }
        const times = await timeAll(entries);
        for (const [impl] of entries) report({ suite: 'models', case: c, impl, ms: times.get(impl) });
      }
      int8.dispose();
      dyn.dispose();
      fp32.dispose();
    }
  },
};
