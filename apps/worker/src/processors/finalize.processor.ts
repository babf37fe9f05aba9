import { Injectable } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { isSweepId, renderPlots } from '@tokensweep/analysis';
import { FinalizeJobData, SweepLifecycle } from '@tokensweep/queue';

/**
 * Runs when every chunk of a round is done: renders the figures when the spec asks for them, writes
 * the manifest and summary exactly as the embedded run does, and marks the sweep completed. A
 * cancelled or failed sweep is left as it is.
 */
@Injectable()
export class FinalizeProcessor {
  constructor(private readonly lifecycle: SweepLifecycle) {}

  /** BullMQ gave the finalize job up without running it again (its workers were lost with it too often): the sweep fails. */
  async abandoned(job: Job, reason: string): Promise<void> {
    const { sweepId } = (job.data ?? {}) as Partial<FinalizeJobData>;
    if (typeof sweepId === 'string' && isSweepId(sweepId))
      await this.lifecycle.fail(sweepId, `finishing the sweep failed: ${reason}`);
  }

  async process(job: Job): Promise<{ completed: boolean }> {
    const { sweepId } = (job.data ?? {}) as Partial<FinalizeJobData>;
    if (typeof sweepId !== 'string' || !isSweepId(sweepId))
      throw new UnrecoverableError('job data: sweepId is missing or malformed');
    try {
      // figures are drawn before the manifest is written, so that the manifest lists them
      const manifest = await this.lifecycle.complete(sweepId, async (storage, state) => {
        if (state.spec.plots) await renderPlots(storage);
      });
      return { completed: manifest !== null };
    } catch (error) {
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1))
        await this.lifecycle.fail(sweepId, `finishing the sweep failed: ${(error as Error).message}`);
      throw error;
    }
  }
}
