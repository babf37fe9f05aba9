/**
 * Where a chunk's time goes: `runChunk` calls `lap(step)` after each of its steps, which adds the
 * time since the previous lap to that step. Given only when someone measures (the bench).
 */
export class ChunkSteps {
  readonly ms: Record<string, number> = {};
  private last = performance.now();

  /** Starts the clock again (before a chunk whose steps are to be timed). */
  restart(): void {
    this.last = performance.now();
  }

  lap(step: string): void {
    const now = performance.now();
    this.ms[step] = (this.ms[step] ?? 0) + (now - this.last);
    this.last = now;
  }
}
