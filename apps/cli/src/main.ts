import { Command, CommanderError } from 'commander';
import { TOOL_VERSION } from '@tokensweep/analysis';
import { readCliConfig } from './cli-config';
import { CliError } from './cli-error';
import { compareCommand } from './commands/compare.command';
import { plotCommand } from './commands/plot.command';
import {
  cancelCommand,
  fetchCommand,
  listCommand,
  statusCommand,
  submitCommand,
} from './commands/remote.commands';
import { runCommand } from './commands/run.command';
import { collect, integer } from './options';

/** The exit code an action asks for when it ends normally (status reports a failed sweep with 1). */
let actionExitCode = 0;

/** The spec flags, shared by `run` and `submit`. */
function withSpecOptions(command: Command): Command {
  return command
    .option(
      '--model <id|dir>',
      'Hugging Face id (org/name[@revision]) or, for run, a local directory; repeat for several',
      collect,
    )
    .option(
      '--numbers <expr|@file>',
      'numbers: A, A..B, A..B:STEP, comma-separated (default -1000..1000); @FILE reads a list (one integer a line, or a JSON array)',
    )
    .option('--format <format>', 'plain | space | comma; repeat for several (default plain)', collect)
    .option(
      '--analysis <analysis>',
      'tokens | sign-symmetry | successive-cosine | cosine-matrix | fourier | pca | neighbors; repeat',
      collect,
    )
    .option('--matrix <matrix>', 'input (token embeddings) | output (the unembedding) (default input)')
    .option('--pooling <pooling>', 'embedding of a multi-token number: none | mean (default none)')
    .option('--plots', 'render the figures into plots/ when the sweep finishes')
    .option('--chunk-size <n>', 'numbers per chunk', integer(1))
    .option('--tile-size <n>', 'edge of a cosine-matrix tile', integer(1));
}

/** The API flags of the remote commands; the environment supplies what they omit. */
function withApiOptions(command: Command): Command {
  return command
    .option('--api <url>', 'tokensweep API base URL (default $TOKENSWEEP_API)')
    .option('--api-key <key>', 'API key (default $TOKENSWEEP_API_KEY)');
}

function apiTarget(options: { api?: string; apiKey?: string }) {
  const { api, apiKey } = config();
  return { api: options.api ?? api, apiKey: options.apiKey ?? apiKey };
}

/** Builds the `tokensweep` program; exit codes: 0 success, 1 the work failed, 2 bad input. */
export function buildProgram(): Command {
  const program = new Command('tokensweep')
    .description(
      'How does a language model see numbers? Sweeps integers through tokenizers and embedding matrices into Parquet.',
    )
    .version(TOOL_VERSION)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`tokensweep: ${text.replace(/^error: /, '')}`) });

  withSpecOptions(
    program.command('run').description('run a sweep here, on every core, and write its directory (no Redis)'),
  )
    .option(
      '--threads <n>',
      'worker threads (default: every core, or none for a sweep of under about a second of work; 0 runs on the main thread)',
      integer(0),
    )
    .option('--out <dir|s3://bucket/prefix>', 'sweep directory or S3 prefix (default ./results/<id>)')
    .option('--force', 'replace the contents of a non-empty --out directory or prefix')
    .option('--json', 'print the manifest as JSON instead of the summary table')
    .action(async (options) => {
      await runCommand(options, config());
    });

  program
    .command('compare')
    .argument('<dir>', 'a finished sweep directory')
    .description(
      'print the comparison of models and formats (token counts, sign symmetry, cosines) of a sweep',
    )
    .option('--json', 'print summary.json instead of the table')
    .action(async (dir, options) => {
      await compareCommand(dir, options);
    });

  program
    .command('plot')
    .argument('<dir>', 'a sweep directory')
    .description('render the figures of a sweep into DIR/plots/ (PNG and SVG) and list them in its manifest')
    .action(async (dir) => {
      await plotCommand(dir);
    });

  withApiOptions(
    withSpecOptions(program.command('submit').description('submit a sweep to the API; prints its id')),
  )
    .option('--spec <file>', 'a JSON spec; flags given as well override its fields')
    .option(
      '--priority <priority>',
      "low | normal | high: how its chunks rank against other sweeps' (default normal)",
    )
    .action(async (options) => {
      await submitCommand({ ...options, ...apiTarget(options) });
    });

  withApiOptions(
    program
      .command('status')
      .argument('<id>')
      .description('follow a sweep until it ends (exit 0 completed, 1 failed or cancelled)'),
  )
    .option('--no-wait', 'print one line and return')
    .action(async (id, options) => {
      actionExitCode = await statusCommand(id, { ...options, ...apiTarget(options) });
    });

  withApiOptions(program.command('list').description('list the newest sweeps'))
    .option('--limit <n>', 'how many', integer(1))
    .action(async (options) => {
      await listCommand({ ...options, ...apiTarget(options) });
    });

  withApiOptions(program.command('cancel').argument('<id>').description('cancel a queued or running sweep'))
    .option('--purge', 'also delete its results')
    .action(async (id, options) => {
      await cancelCommand(id, { ...options, ...apiTarget(options) });
    });

  withApiOptions(
    program.command('fetch').argument('<id>').description("download a finished sweep's directory"),
  )
    .option('--out <dir>', 'where to write it (default ./results/<id>)')
    .option('--force', 'write into a non-empty directory')
    .action(async (id, options) => {
      await fetchCommand(id, { ...options, ...apiTarget(options) });
    });

  return program;
}

function config() {
  const { config, problems } = readCliConfig();
  // one line per bad variable, each naming it: a bare "bad configuration:" line would say nothing
  if (problems.length > 0) throw new CliError(problems.map((p) => `bad configuration: ${p}`).join('\n'), 2);
  return config;
}

/** Runs the CLI on `argv` and returns its exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    actionExitCode = 0;
    await buildProgram().parseAsync(argv);
    return actionExitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof CliError) {
      process.stderr.write(`tokensweep: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`tokensweep: ${(error as Error).stack ?? error}\n`);
    return 1;
  }
}
