// A tiny ONNX protobuf writer for the benchmark's peer models (MatMul,
// DynamicQuantizeLinear + MatMulInteger, MatMulNBits, Conv, QLinearConv,
// QLinearMatMul), built at run time so no large weights are committed.
const enc = new TextEncoder();

function varint(n) {
  const out = [];
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n;
  while (v >= 0x80n) { out.push(Number((v & 0x7fn) | 0x80n)); v >>= 7n; }
  out.push(Number(v));
  return out;
}
const key = (field, wire) => varint((field << 3) | wire);
const bytesField = (field, bytes) => [...key(field, 2), ...varint(bytes.length), ...bytes];
const str = (field, s) => bytesField(field, [...enc.encode(s)]);
const intField = (field, v) => [...key(field, 0), ...varint(v)];

export const TYPES = { float: 1, uint8: 2, int8: 3, int32: 6, int64: 7 };

export function tensor(name, type, dims, data) {
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return [...dims.flatMap((d) => intField(1, d)), ...intField(2, type), ...str(8, name), ...bytesField(9, raw)];
}

export function attrInt(name, v) { return [...str(1, name), ...intField(3, v), ...intField(20, 2)]; }
export function attrInts(name, vs) { return [...str(1, name), ...vs.flatMap((v) => intField(8, v)), ...intField(20, 7)]; }

let nodeCount = 0;
export function node(op, inputs, outputs, attrs = [], domain = '') {
  return [...inputs.flatMap((i) => str(1, i)), ...outputs.flatMap((o) => str(2, o)), ...str(3, `${op}_${nodeCount++}`), ...str(4, op),
    ...attrs.flatMap((a) => bytesField(5, a)), ...(domain ? str(7, domain) : [])];
}

export function valueInfo(name, type, dims) {
  const shape = dims.flatMap((d) => bytesField(1, typeof d === 'string' ? str(2, d) : intField(1, d)));
  const tensorType = [...intField(1, type), ...bytesField(2, shape)];
  return [...str(1, name), ...bytesField(2, bytesField(1, tensorType))];
}

export function model({ nodes, initializers, inputs, outputs, opset = 13, msOpset = 0 }) {
  const graph = [...nodes.flatMap((n) => bytesField(1, n)), ...str(2, 'bench'), ...initializers.flatMap((t) => bytesField(5, t)),
    ...inputs.flatMap((i) => bytesField(11, i)), ...outputs.flatMap((o) => bytesField(12, o))];
  const opsets = [bytesField(8, intField(2, opset))];
  if (msOpset) opsets.push(bytesField(8, [...str(1, 'com.microsoft'), ...intField(2, msOpset)]));
  return Uint8Array.from([...intField(1, 8), ...str(2, 'qwasm-bench'), ...bytesField(7, graph), ...opsets.flat()]);
}
