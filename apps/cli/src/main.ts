import { Command, CommanderError } from 'commander';
import { TOOL_VERSION } from '@tokensweep/analysis';
import { readCliConfig } from './cli-config';
import { CliError } from './cli-error';
import { runCommand } from './commands/run.command';
import { collect, integer } from './options';

/** Builds the `tokensweep` program; exit codes: 0 success, 1 the work failed, 2 bad input. */
export function buildProgram(): Command {
  const program = new Command('tokensweep')
    .description('How does a language model see numbers? Sweeps integers through tokenizers and embedding matrices into Parquet.')
    .version(TOOL_VERSION)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`tokensweep: ${text.replace(/^error: /, '')}`) });

  program
    .command('run')
    .description('run a sweep here, on every core, and write its directory (no Redis)')
    .option('--model <id|dir>', 'Hugging Face id (org/name[@revision]) or local directory; repeat for several', collect)
    .option('--numbers <expr>', 'numbers: A, A..B, A..B:STEP, comma-separated (default -1000..1000)')
    .option('--format <format>', 'plain | space | comma; repeat for several (default plain)', collect)
    .option('--analysis <analysis>', 'tokens | sign-symmetry | successive-cosine | cosine-matrix | fourier; repeat', collect)
    .option('--pooling <pooling>', 'embedding of a multi-token number: none | mean (default none)')
    .option('--plots', 'render the figures into plots/ when the sweep finishes')
    .option('--chunk-size <n>', 'numbers per chunk', integer(1))
    .option('--tile-size <n>', 'edge of a cosine-matrix tile', integer(1))
    .option('--threads <n>', 'worker threads (default: every core; 0 runs on the main thread)', integer(0))
    .option('--out <dir>', 'sweep directory (default ./results/<id>)')
    .option('--force', 'replace the contents of a non-empty --out directory')
    .option('--json', 'print the manifest as JSON instead of the summary table')
    .action(async (options) => {
      await runCommand(options, config());
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
    await buildProgram().parseAsync(argv);
    return 0;
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

