/** A one-line progress bar with ETA, redrawn in place; silent when the stream is not a terminal. */
export class ProgressBar {
  private readonly started = Date.now();
  private lastDraw = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly total: number,
    private readonly label = 'chunks',
  ) {}

  update(done: number, force = false): void {
    if (!this.stream.isTTY) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < 100 && done < this.total) return;
    this.lastDraw = now;
    const width = 30;
    const share = this.total === 0 ? 1 : done / this.total;
    const filled = Math.round(share * width);
    const elapsed = (now - this.started) / 1000;
    const eta = done === 0 ? '--:--' : clock((elapsed / done) * (this.total - done));
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    this.stream.write(
      `\r${bar} ${done}/${this.total} ${this.label} ${(share * 100).toFixed(0).padStart(3)}%  elapsed ${clock(elapsed)}  ETA ${eta}`,
    );
  }

  finish(): void {
    if (this.stream.isTTY) this.stream.write('\n');
  }
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const mmss = `${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}
