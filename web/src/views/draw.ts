// A 280×280 drawing canvas, downsampled to MNIST's 28×28 (centred by mass, as
// MNIST digits are) for prediction.
export class DrawPad {
  readonly canvas: HTMLCanvasElement;
  #ctx: CanvasRenderingContext2D;
  #drawing = false;
  #onChange: () => void;

  constructor(canvas: HTMLCanvasElement, onChange: () => void) {
    this.canvas = canvas;
    this.#ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    this.#onChange = onChange;
    this.clear();
    canvas.addEventListener('pointerdown', (e) => { this.#drawing = true; canvas.setPointerCapture(e.pointerId); this.#dot(e); });
    canvas.addEventListener('pointermove', (e) => { if (this.#drawing) this.#dot(e); });
    const end = () => { if (this.#drawing) { this.#drawing = false; this.#onChange(); } };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
  }

  clear(): void {
    this.#ctx.fillStyle = '#000';
    this.#ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
  }

  #dot(e: PointerEvent): void {
    const r = this.canvas.getBoundingClientRect();
    const x = ((e.clientX - r.left) / r.width) * this.canvas.width;
    const y = ((e.clientY - r.top) / r.height) * this.canvas.height;
    this.#ctx.fillStyle = '#fff';
    this.#ctx.beginPath();
    this.#ctx.arc(x, y, 11, 0, Math.PI * 2);
    this.#ctx.fill();
  }

  /** 784 values in [0, 1], the digit's centre of mass moved to the centre. */
  pixels(): Float32Array {
    const small = document.createElement('canvas');
    small.width = small.height = 28;
    const sctx = small.getContext('2d', { willReadFrequently: true })!;
    sctx.imageSmoothingEnabled = true;
    sctx.drawImage(this.canvas, 4, 4, 20, 20);  // MNIST: digit in a 20×20 box inside 28×28
    const data = sctx.getImageData(0, 0, 28, 28).data;
    const px = new Float32Array(784);
    let mass = 0, cx = 0, cy = 0;
    for (let i = 0; i < 784; i++) {
      px[i] = data[i * 4] / 255;
      mass += px[i];
      cx += px[i] * (i % 28);
      cy += px[i] * Math.floor(i / 28);
    }
    if (mass === 0) return px;
    const dx = Math.round(13.5 - cx / mass), dy = Math.round(13.5 - cy / mass);
    const out = new Float32Array(784);
    for (let y = 0; y < 28; y++)
      for (let x = 0; x < 28; x++) {
        const sx = x - dx, sy = y - dy;
        if (sx >= 0 && sx < 28 && sy >= 0 && sy < 28) out[y * 28 + x] = px[sy * 28 + sx];
      }
    return out;
  }
}
