import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeHub } from './helpers/fake-hub';
import { writeMatrixModel } from './helpers/matrix-models';
import { runCliOk } from './helpers/run-cli';

/**
 * `--matrix output` of a Hub model whose unembedding lives in its own shard, as Llama's does: the
 * download fetches that shard too, and only when the output matrix is asked for.
 */
describe('the output matrix of a Hub model', () => {
  let hub: FakeHub;
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'tokensweep-output-hub-'));
    // three shards: the norm, model.embed_tokens.weight, lm_head.weight
    hub = await FakeHub.start();
    hub.register('org/llama', await writeMatrixModel(scratch, 'llama3'));
  });

  afterAll(async () => {
    await hub?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it.each([
    ['output', 'lm_head.weight', ['model-00002-of-00003.safetensors', 'model-00003-of-00003.safetensors']],
    ['input', 'model.embed_tokens.weight', ['model-00002-of-00003.safetensors']],
  ])('with --matrix %s downloads the shard of %s and no other', async (matrix, tensor, shards) => {
    const hfHome = await mkdtemp(path.join(scratch, 'hf-home-'));
    hub.requests.length = 0;
    const { stdout } = await runCliOk(
      ['run', '--model', 'org/llama', '--numbers', '0..99', '--analysis', 'pca', '--matrix', matrix,
        '--json', '--out', path.join(scratch, 'out', matrix)], // prettier-ignore
      { HF_HOME: hfHome, HF_ENDPOINT: hub.url, HF_HUB_OFFLINE: '0' },
    );
    const manifest = JSON.parse(stdout);
    expect(manifest.models[0].matrix).toMatchObject({ kind: matrix, tensor, tied: false });
    expect(
      hub
        .downloadedFiles()
        .filter((f) => f.endsWith('.safetensors'))
        .sort(),
    ).toEqual(shards);
  });
});
