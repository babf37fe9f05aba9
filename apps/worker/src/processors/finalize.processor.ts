import { Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { isSweepId, renderPlots } from '@tokensweep/analysis';
import { FinalizeJobData, FinalizeResult, JobName, JobOf, SweepLifecycle } from '@tokensweep/queue';

type FinalizeJob = JobOf<JobName.FinalizeSweep>;

/**
 * Runs when every chunk of a round is done (or was removed): renders the figures when the spec asks
 * for them, then asks the lifecycle to complete the sweep for the job's round, which writes the
 * manifest and summary exactly as the embedded run does. Whether it may is the lifecycle's rule.
 */
@Injectable()
export class FinalizeProcessor {
  constructor(private readonly lifecycle: SweepLifecycle) {}

  /** BullMQ gave the finalize job up without running it again (its workers were lost with it too often): the sweep fails. */
  async abandoned(job: FinalizeJob, reason: string): Promise<void> {
    const data = readFinalizeData(job.data);
    if (data) await this.lifecycle.fail(data.sweepId, `finishing the sweep failed: ${reason}`, data.round);
  }

  async process(job: FinalizeJob): Promise<FinalizeResult> {
    const data = readFinalizeData(job.data);
    if (!data) throw new UnrecoverableError('job data: sweepId or round is missing or malformed');
    try {
      // figures are drawn before the manifest is written, so that the manifest lists them
      const manifest = await this.lifecycle.complete(data.sweepId, data.round, async (dir, state) => {
        if (state.spec.plots) await renderPlots(dir);
      });
      return { completed: manifest !== null };
    } catch (error) {
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1))
        await this.lifecycle.fail(
          data.sweepId,
          `finishing the sweep failed: ${(error as Error).message}`,
          data.round,
        );
      throw error;
    }
  }
}

/** The finalize job's data if well formed (Redis enforces nothing), else null. */
function readFinalizeData(data: unknown): FinalizeJobData | null {
  if (typeof data !== 'object' || data === null) return null;
  const sweepId = 'sweepId' in data ? data.sweepId : undefined;
  const round = 'round' in data ? data.round : undefined;
  if (typeof sweepId !== 'string' || !isSweepId(sweepId)) return null;
  if (typeof round !== 'number' || !Number.isSafeInteger(round) || round < 0) return null;
  return { sweepId, round };
}
