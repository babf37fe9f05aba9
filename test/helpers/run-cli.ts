import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { variablesReadBy } from '@tokensweep/analysis';
import { testCache } from './services';

const REPO = path.resolve(__dirname, '../..');
const BIN = path.join(REPO, 'bin/tokensweep.js');
const BUILT_MAIN = path.join(REPO, 'dist/apps/cli/src/main.js');

/**
 * Variables that would change what a sweep does: those the CLI reads (the declared table), and any
 * other Hugging Face or AWS one the libraries might (the AWS SDK reads its credentials itself); tests set the ones they mean to.
 */
const CLI_VARIABLES = new Set(variablesReadBy('cli'));
const controlled = (name: string) => CLI_VARIABLES.has(name) || /^(HF|AWS)_/.test(name);

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built `tokensweep` binary (`node bin/tokensweep.js …`) as a child process and resolves
 * when it exits. Offline always: these tests use local model directories only.
 */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  if (!existsSync(BUILT_MAIN))
    throw new Error(`${BUILT_MAIN} is missing; run \`npm run build\` before these tests`);
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !controlled(name)));
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: REPO,
    env: { ...inherited, ...testCache(), HF_HUB_OFFLINE: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs the CLI and throws with its stderr unless it exits 0. */
export async function runCliOk(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const result = await runCli(args, env);
  if (result.code !== 0)
    throw new Error(`tokensweep ${args.join(' ')} exited ${result.code}:\n${result.stderr}`);
  return result;
}
