import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { INestApplication } from '@nestjs/common';
import { SweepQueue } from '@tokensweep/queue';

/** Mounts Bull Board at /queues over the sweep queues (behind the API key middleware like every other route). */
export function mountBullBoard(app: INestApplication, queue: SweepQueue): void {
  const adapter = new ExpressAdapter();
  adapter.setBasePath('/queues');
  createBullBoard({
    queues: [new BullMQAdapter(queue.chunks), new BullMQAdapter(queue.finalize)],
    serverAdapter: adapter,
  });
  app.use('/queues', adapter.getRouter());
}
